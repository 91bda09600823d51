import { describe, expect, it } from 'vitest';
import { isStorableText } from './text.ts';

describe('isStorableText', () => {
  it('refuses NUL characters and unpaired surrogates, and takes pairs and other control characters', () => {
    expect(['a\u0000b', '\ud800', 'x\udc00', '\udc00\ud800', '\ud83d'].map(isStorableText)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(['', 'plain', '😀 \ud83d\ude00', '\u0001\t\n', '\uFFFD'].map(isStorableText)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
  });
});
