import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.ts';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };

describe('SecretBox', () => {
  it('seals with a fresh IV and opens only with the same associated data', () => {
    const box = new SecretBox([k1]);
    const a = box.seal('hunter2-token', 'integration:a');
    const b = box.seal('hunter2-token', 'integration:a');
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.ciphertext).not.toContain('hunter2');
    expect(box.open(a, 'integration:a')).toBe('hunter2-token');
    expect(() => box.open(a, 'integration:b')).toThrow();
  });

  it('detects tampering', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal('value', 'x');
    const parts = sealed.ciphertext.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => box.open({ ...sealed, ciphertext: parts.join('.') }, 'x')).toThrow();
  });

  it('rotates: old ciphertexts open while their key is listed and re-seal under the first key', () => {
    const old = new SecretBox([k1]).seal('s3cret', 'x');
    const rotated = new SecretBox([k2, k1]);
    expect(rotated.open(old, 'x')).toBe('s3cret');
    const resealed = rotated.reseal(old, 'x');
    expect(resealed?.keyId).toBe('k2');
    expect(new SecretBox([k2]).open(resealed!, 'x')).toBe('s3cret');
    expect(rotated.reseal(resealed!, 'x')).toBeNull();
    expect(() => new SecretBox([k2]).open(old, 'x')).toThrow(/no encryption key with id "k1"/);
  });
});
