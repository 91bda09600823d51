export interface RateDecision {
  allowed: boolean;
  /** Seconds until the window resets (for Retry-After). */
  retryAfterSeconds: number;
  remaining: number;
}

/**
 * Fixed-window counters keyed by caller or project. Time comes in as an argument; the caller owns the clock.
 * Old windows are dropped as new ones open, so memory stays bounded by the keys active in one window.
 */
export class FixedWindowLimiter {
  private windowStart = 0;
  private counts = new Map<string, number>();
  private readonly limit: number;
  private readonly windowMs: number;

  constructor(limit: number, windowMs: number) {
    this.limit = limit;
    this.windowMs = windowMs;
  }

  hit(key: string, nowMs: number): RateDecision {
    const start = nowMs - (nowMs % this.windowMs);
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.counts = new Map();
    }
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    const retryAfterSeconds = Math.max(1, Math.ceil((start + this.windowMs - nowMs) / 1000));
    return { allowed: count <= this.limit, retryAfterSeconds, remaining: Math.max(0, this.limit - count) };
  }
}
