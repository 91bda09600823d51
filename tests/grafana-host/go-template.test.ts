import { describe, expect, test } from 'vitest';
import { interpolate, TemplateError } from './go-template.ts';
import { joinUrlFragments, matchPath } from './plugin-proxy.ts';

const data = {
  JsonData: { sidecarUrl: 'http://sidecar:8787', port: 8787, big: 1_000_000, ratio: 0.5, on: true, nested: { a: 'x' } },
  SecureJsonData: { sidecarSecret: 's3cret' },
};

describe('Go template subset of plugin routes', () => {
  test('fields of JsonData and SecureJsonData, printed as Go prints them', () => {
    expect(interpolate('{{ .JsonData.sidecarUrl }}/api', data)).toBe('http://sidecar:8787/api');
    expect(interpolate('{{.SecureJsonData.sidecarSecret}}', data)).toBe('s3cret');
    expect(interpolate('{{ .JsonData.port }}|{{ .JsonData.big }}|{{ .JsonData.ratio }}|{{ .JsonData.on }}', data)).toBe(
      '8787|1e+06|0.5|true'
    );
    expect(interpolate('{{ .JsonData.nested.a }}', data)).toBe('x');
  });

  test('a missing key prints <no value>, or nothing through orEmpty', () => {
    expect(interpolate('{{ .JsonData.missing }}/api', data)).toBe('<no value>/api');
    expect(interpolate('{{ .SecureJsonData.missing }}', data)).toBe('<no value>');
    expect(interpolate('{{ .JsonData.missing | orEmpty }}', data)).toBe('');
  });

  test('trim markers and plain text', () => {
    expect(interpolate('a  {{- .JsonData.port -}}  b', data)).toBe('a8787b');
    expect(interpolate('no actions', data)).toBe('no actions');
  });

  test('what Go cannot execute is an error', () => {
    expect(() => interpolate('{{ .JsonData.sidecarUrl.x }}', data)).toThrow(TemplateError);
    expect(() => interpolate('{{ .JsonData.missing.x }}', data)).toThrow(TemplateError);
    expect(() => interpolate('{{ printf "%s" .JsonData.port }}', data)).toThrow(TemplateError);
    expect(() => interpolate('{{ .JsonData.port | upper }}', data)).toThrow(TemplateError);
    expect(() => interpolate('{{ .JsonData.port', data)).toThrow(TemplateError);
  });
});

describe('route paths', () => {
  test('literal segments, :param and a trailing *', () => {
    expect(matchPath('api/*', 'api/v1/projects')).toEqual({ params: {}, wildcard: 'v1/projects' });
    expect(matchPath('api/*', 'api')).toEqual({ params: {}, wildcard: '' });
    expect(matchPath('api/*', 'apis/v1')).toBeNull();
    expect(matchPath('items/:id', 'items/42')).toEqual({ params: { id: '42' } });
    expect(matchPath('items/:id', 'items/42/more')).toBeNull();
    expect(matchPath('items/:id', 'items')).toBeNull();
    expect(matchPath('/items/:id/*', 'items/1/a/b/')).toEqual({ params: { id: '1' }, wildcard: 'a/b' });
  });

  test('URL fragments join with exactly one slash', () => {
    expect(joinUrlFragments('/api', 'v1/x')).toBe('/api/v1/x');
    expect(joinUrlFragments('/api/', '/v1')).toBe('/api/v1');
    expect(joinUrlFragments('/api', '')).toBe('/api');
    expect(joinUrlFragments('/', 'x')).toBe('/x');
  });
});
