import { describe, expect, it } from 'vitest';
import { replaceUnstorableText, unstorableTextProblem } from './json-text.ts';

const check = (raw: string) => unstorableTextProblem(raw, JSON.parse(raw));

describe('unstorableTextProblem', () => {
  it('names the field whose string holds a NUL or an unpaired surrogate', () => {
    expect(check('{"alerts":[{"labels":{"service":"a\\u0000b"}}]}')).toBe(
      'alerts.0.labels.service: must not contain NUL characters or unpaired surrogates'
    );
    expect(check('{"a":["ok","\\ud800"]}')).toBe('a.1: must not contain NUL characters or unpaired surrogates');
    expect(check('{"a":"\\udc00x"}')).toBe('a: must not contain NUL characters or unpaired surrogates');
    expect(check('"\\u0000"')).toBe('(body): must not contain NUL characters or unpaired surrogates');
  });

  it('refuses such names too', () => {
    expect(check('{"labels":{"a\\u0000":"b"}}')).toBe(
      'labels: names must not contain NUL characters or unpaired surrogates'
    );
    expect(check('{"\\ud83d":1}')).toBe('(body): names must not contain NUL characters or unpaired surrogates');
  });

  it('takes surrogate pairs, escaped backslashes and other control characters', () => {
    expect(check('{"summary":"\\ud83d\\ude00 on fire","note":"\\\\u0000 is text","tab":"\\u0009\\u0001"}')).toBeNull();
    expect(check('{"a":"😀","b":[1,true,null,{"c":"d"}]}')).toBeNull();
  });

  it('walks any depth the parser accepted without exhausting the stack', () => {
    const depth = 200_000;
    const deep = `${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`;
    expect(check(deep)).toMatch(/^0(\.0)+: must not contain NUL/);
    expect(check(`${'['.repeat(depth)}"\\ud83d\\ude00"${']'.repeat(depth)}`)).toBeNull();
  });
});

describe('replaceUnstorableText', () => {
  const replace = (raw: string) => replaceUnstorableText(raw, JSON.parse(raw));

  it('replaces NULs and unpaired surrogates with U+FFFD in strings and names, names in their order', () => {
    expect(replace('{"a":"x\\u0000y","b\\ud800":["\\udc00",1],"c":{"d":"\\ud83d\\ude00"}}')).toEqual({
      a: 'x\ufffdy',
      'b\ufffd': ['\ufffd', 1],
      c: { d: '😀' },
    });
    expect(Object.keys(replace('{"z":1,"a\\u0000":2,"m":3}') as object)).toEqual(['z', 'a\ufffd', 'm']);
    expect(replace('"\\u0000"')).toBe('\ufffd');
  });

  it('leaves bodies without a suspect escape as they are, and walks any depth', () => {
    const value = { a: 'plain' };
    expect(replaceUnstorableText('{"a":"plain"}', value)).toBe(value);
    const depth = 200_000;
    let deep = replace(`${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`);
    for (let i = 0; i < depth; i++) {
      deep = (deep as unknown[])[0];
    }
    expect(deep).toBe('\ufffd');
  });
});
