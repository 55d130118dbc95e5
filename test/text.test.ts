import { describe, expect, it } from 'vitest';
import { cut, wellFormed } from '../src/text.js';

describe('cut', () => {
  it('keeps text within the limit as it is', () => expect(cut('abc', 3)).toBe('abc'));

  it('cuts at the limit, counting UTF-16 units', () => expect(cut('abcdef', 4)).toBe('abcd'));

  it('cuts before an emoji whose halves the limit would separate, never leaving an unpaired surrogate', () => {
    const text = `${'x'.repeat(3)}😀y`;
    expect(cut(text, 4)).toBe('xxx');
    expect(cut(text, 5)).toBe('xxx😀');
  });
});

describe('wellFormed', () => {
  it('replaces each unpaired surrogate with U+FFFD, wherever it stands, keeping pairs', () => {
    expect(wellFormed('\ud800a\udc00 😀 \ud83d')).toBe('\ufffda\ufffd 😀 \ufffd');
  });

  it('keeps well-formed text as it is', () => expect(wellFormed('a 😀 é')).toBe('a 😀 é'));
});
