/**
 * A tick scheduler: calls `tick(tickMs, signal)` at every multiple of the interval since the epoch, so every replica
 * ticks at the same instants, and never runs two ticks of one scheduler at once (a tick that outlasts the interval
 * makes the ticks it overlapped be skipped, not queued). Its lifecycle is `created → running → stopping → stopped`,
 * as that of a pg-boss worker: `stop()` aborts the wait for the next tick at once, aborts the signal the tick in
 * flight was given, and resolves once that tick has finished, so that what the tick started (e.g. jobs it sends) is
 * done before the job queue stops. A failed tick is logged; with `backoff`, the next tick is the first aligned one
 * after a delay that grows with each consecutive failure (with jitter, so replicas that fail together spread out).
 */
import type { Logger } from 'pino';
import { alignTick } from '../core/metric-normalizer.ts';

export type SchedulerState = 'created' | 'running' | 'stopping' | 'stopped';

/** Time and timers, injectable so that tests control both (the shape of pg-boss's `Clock`). */
export interface SchedulerClock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Wall time and Node's timers; the timers do not keep the process alive. */
export const systemClock: SchedulerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface SchedulerBackoff {
  /** The delay after the first failure of a run of failures; it doubles with each further one. */
  initialMs: number;
  maxMs: number;
}

export interface SchedulerOptions {
  /** Names the scheduler in logs ("<name> tick failed"). */
  name: string;
  intervalMs: number;
  /** One tick, at the aligned instant `tickMs`; `signal` is aborted when the scheduler is stopped. */
  tick: (tickMs: number, signal: AbortSignal) => Promise<unknown>;
  logger: Logger;
  clock?: SchedulerClock;
  /** In [0, 1), as Math.random; spreads the backoff delay. */
  random?: () => number;
  /** Without it, a failed tick is followed by the next aligned tick. */
  backoff?: SchedulerBackoff;
}

export class Scheduler {
  readonly name: string;
  private readonly options: SchedulerOptions;
  private readonly clock: SchedulerClock;
  private readonly random: () => number;
  private readonly stopController = new AbortController();
  private current: SchedulerState = 'created';
  private running: Promise<void> | null = null;
  private failures = 0;

  constructor(options: SchedulerOptions) {
    this.name = options.name;
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  get state(): SchedulerState {
    return this.current;
  }

  /** Consecutive failed ticks, reset by a tick that succeeds. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  start(): void {
    if (this.current !== 'created') {
      throw new Error(`scheduler ${this.name} is ${this.current}; it starts once`);
    }
    this.current = 'running';
    this.running = this.run();
  }

  /** Stops ticking; resolves once the tick in flight, if any, has finished. Idempotent. */
  async stop(): Promise<void> {
    if (this.current === 'created') {
      this.current = 'stopped';
      return;
    }
    if (this.current === 'running') {
      this.current = 'stopping';
      this.stopController.abort();
    }
    await this.running;
  }

  /** The next aligned tick after now, or after the backoff delay when the last ticks failed. */
  nextTick(nowMs: number): number {
    const intervalMs = this.options.intervalMs;
    return alignTick(nowMs + this.backoffMs(), intervalMs) + intervalMs;
  }

  private backoffMs(): number {
    const backoff = this.options.backoff;
    if (!backoff || this.failures === 0) {
      return 0;
    }
    const capped = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (this.failures - 1));
    // Half of it fixed, half of it random: never less than half the delay, and replicas do not retry in step.
    return capped * (0.5 + this.random() / 2);
  }

  private async run(): Promise<void> {
    const signal = this.stopController.signal;
    while (!signal.aborted) {
      const now = this.clock.now();
      const next = this.nextTick(now);
      await this.wait(next - now, signal);
      if (signal.aborted) {
        break;
      }
      try {
        await this.options.tick(next, signal);
        this.failures = 0;
      } catch (error) {
        this.failures += 1;
        this.options.logger.error({ err: error }, `${this.name} tick failed`);
      }
    }
    this.current = 'stopped';
  }

  /** Resolves after `ms`, or at once when `signal` is aborted. */
  private wait(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let handle: unknown;
      const done = () => {
        this.clock.clearTimeout(handle);
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      handle = this.clock.setTimeout(done, ms);
    });
  }
}
