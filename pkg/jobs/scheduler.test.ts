import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Scheduler, systemClock, type SchedulerClock, type SchedulerOptions } from './scheduler.ts';

/** A clock the test moves by hand: timers fire only from `fireNext()`, at their own due time. */
class ManualClock implements SchedulerClock {
  private nowMs: number;
  private nextId = 1;
  readonly timers = new Map<number, { atMs: number; fn: () => void }>();

  constructor(startMs: number) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.nextId++;
    this.timers.set(id, { atMs: this.nowMs + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Time passing without any timer firing (work in progress). */
  advance(ms: number): void {
    this.nowMs += ms;
  }

  /** The due time of the one pending timer (the scheduler waits for one tick at a time). */
  pending(): number | undefined {
    expect(this.timers.size).toBeLessThanOrEqual(1);
    return [...this.timers.values()][0]?.atMs;
  }

  /** Moves to the pending timer's due time, fires it, and lets the scheduler run until it waits again. */
  async fireNext(): Promise<number> {
    const [id, timer] = [...this.timers.entries()][0] ?? [];
    if (!id || !timer) {
      throw new Error('no timer pending');
    }
    this.timers.delete(id);
    this.nowMs = timer.atMs;
    timer.fn();
    await settle();
    return timer.atMs;
  }
}

/** Lets pending promise callbacks run (the scheduler's loop between two waits). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function capturedLogger() {
  const lines: Array<{ msg: string; err?: { message: string } }> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(
        ...String(chunk)
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line))
      );
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

function scheduler(clock: SchedulerClock, tick: SchedulerOptions['tick'], options: Partial<SchedulerOptions> = {}) {
  const { logger, lines } = capturedLogger();
  return { scheduler: new Scheduler({ name: 'test', intervalMs: 1000, tick, logger, clock, ...options }), lines };
}

describe('Scheduler', () => {
  it('goes created → running → stopping → stopped, and starts once', async () => {
    const clock = new ManualClock(10_250);
    let release!: () => void;
    const { scheduler: s } = scheduler(clock, () => new Promise<void>((resolve) => (release = resolve)));
    expect(s.state).toBe('created');
    s.start();
    expect(s.state).toBe('running');
    expect(() => s.start()).toThrow(/starts once/);
    await clock.fireNext();
    const stopped = s.stop();
    expect(s.state).toBe('stopping');
    release();
    await stopped;
    expect(s.state).toBe('stopped');
    await s.stop();
    expect(s.state).toBe('stopped');
  });

  it('stopped before it started, it never ticks', async () => {
    const clock = new ManualClock(0);
    const ticks: number[] = [];
    const { scheduler: s } = scheduler(clock, async (tickMs) => void ticks.push(tickMs));
    await s.stop();
    expect(s.state).toBe('stopped');
    expect(() => s.start()).toThrow();
    expect(clock.timers.size).toBe(0);
    expect(ticks).toEqual([]);
  });

  it('ticks at the multiples of the interval since the epoch, one after the other', async () => {
    const clock = new ManualClock(10_250);
    const ticks: number[] = [];
    const { scheduler: s } = scheduler(clock, async (tickMs) => void ticks.push(tickMs));
    s.start();
    expect(clock.pending()).toBe(11_000);
    await clock.fireNext();
    await clock.fireNext();
    expect(ticks).toEqual([11_000, 12_000]);
    expect(clock.pending()).toBe(13_000);
    await s.stop();
  });

  it('skips the ticks that a long tick overlapped instead of queueing them', async () => {
    const clock = new ManualClock(0);
    const ticks: number[] = [];
    const { scheduler: s } = scheduler(clock, async (tickMs) => {
      ticks.push(tickMs);
      if (ticks.length === 1) {
        // The tick takes 2.5 intervals.
        clock.advance(2_500);
      }
    });
    s.start();
    await clock.fireNext();
    expect(clock.pending()).toBe(4_000);
    await clock.fireNext();
    expect(ticks).toEqual([1_000, 4_000]);
    await s.stop();
  });

  it('stop() aborts the wait for the next tick at once', async () => {
    const clock = new ManualClock(0);
    const ticks: number[] = [];
    const { scheduler: s } = scheduler(clock, async (tickMs) => void ticks.push(tickMs));
    s.start();
    expect(clock.pending()).toBe(1_000);
    await s.stop();
    expect(s.state).toBe('stopped');
    expect(clock.timers.size).toBe(0);
    expect(ticks).toEqual([]);
  });

  it('stop() on the system clock does not wait for an hour-long interval', async () => {
    const { logger } = capturedLogger();
    const s = new Scheduler({
      name: 'hourly',
      intervalMs: 3_600_000,
      tick: async () => undefined,
      logger,
      clock: systemClock,
    });
    s.start();
    await settle();
    const started = performance.now();
    await s.stop();
    expect(performance.now() - started).toBeLessThan(100);
    expect(s.state).toBe('stopped');
  });

  it('stop() during a tick aborts its signal and resolves only after it finished', async () => {
    const clock = new ManualClock(0);
    let release!: () => void;
    let signal: AbortSignal | undefined;
    const done: number[] = [];
    const { scheduler: s } = scheduler(clock, async (tickMs, tickSignal) => {
      signal = tickSignal;
      await new Promise<void>((resolve) => (release = resolve));
      done.push(tickMs);
    });
    s.start();
    await clock.fireNext();
    expect(signal?.aborted).toBe(false);
    let stopped = false;
    const stopping = s.stop().then(() => (stopped = true));
    await settle();
    expect(signal?.aborted).toBe(true);
    expect(s.state).toBe('stopping');
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(done).toEqual([1_000]);
    expect(s.state).toBe('stopped');
    expect(clock.timers.size).toBe(0);
  });

  it('by default logs a failed tick and runs the next aligned tick', async () => {
    const clock = new ManualClock(0);
    const ticks: number[] = [];
    const { scheduler: s, lines } = scheduler(clock, async (tickMs) => {
      ticks.push(tickMs);
      if (ticks.length === 1) {
        throw new Error('database unavailable');
      }
    });
    s.start();
    await clock.fireNext();
    expect(lines).toMatchObject([{ msg: 'test tick failed', err: { message: 'database unavailable' } }]);
    expect(s.consecutiveFailures).toBe(1);
    expect(clock.pending()).toBe(2_000);
    await clock.fireNext();
    expect(ticks).toEqual([1_000, 2_000]);
    expect(s.consecutiveFailures).toBe(0);
    await s.stop();
  });

  it('with a backoff, waits longer after each consecutive failure (with jitter), up to the maximum, aligned', async () => {
    const clock = new ManualClock(0);
    const randoms = [0, 0.5, 0.998, 0];
    let failing = true;
    const { scheduler: s } = scheduler(
      clock,
      async () => {
        if (failing) {
          throw new Error('down');
        }
      },
      { backoff: { initialMs: 4_000, maxMs: 10_000 }, random: () => randoms.shift()! }
    );
    s.start();
    // Delay d·(0.5 + r/2) after the n-th failure, d = min(max, initial·2^(n-1)); the next tick is aligned after it.
    expect(await clock.fireNext()).toBe(1_000);
    expect(clock.pending()).toBe(4_000); // 1,000 + 4,000·0.5 = 3,000 → 4,000
    expect(await clock.fireNext()).toBe(4_000);
    expect(clock.pending()).toBe(11_000); // 4,000 + 8,000·0.75 = 10,000 → 11,000
    expect(await clock.fireNext()).toBe(11_000);
    expect(clock.pending()).toBe(21_000); // 11,000 + 10,000·0.999 = 20,990 → 21,000
    failing = false;
    expect(await clock.fireNext()).toBe(21_000);
    expect(s.consecutiveFailures).toBe(0);
    expect(clock.pending()).toBe(22_000); // a success: the next aligned tick again
    expect(randoms).toEqual([0]);
    await s.stop();
  });
});
