import { describe, expect, it } from 'vitest';
import { FixedWindowLimiter } from './rate-limit.ts';

describe('FixedWindowLimiter', () => {
  it('allows the limit per key and window, then refuses with the time to the next window', () => {
    const limiter = new FixedWindowLimiter(3, 60_000);
    const t0 = 120_000 + 15_000;
    expect([1, 2, 3].map(() => limiter.hit('a', t0).allowed)).toEqual([true, true, true]);
    const refused = limiter.hit('a', t0 + 1);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 45 });
    expect(limiter.hit('b', t0).allowed).toBe(true);
    expect(limiter.hit('a', 180_000).allowed).toBe(true);
  });
});
