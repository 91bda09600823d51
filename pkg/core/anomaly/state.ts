/**
 * What the detector remembers about one series between samples. The caller owns it (the poller stores it as JSON
 * between polls); scoring.ts reads and updates it in place.
 */
import type { Direction, DetectorOptions } from './parameters.ts';

/** Everything the detector remembers about one series: plain numbers and arrays, safe to JSON.stringify. */
export interface DetectorState {
  version: 5;
  direction: Direction;
  /** Samples seen (finite values in increasing time). */
  count: number;
  firstTimestampMs: number;
  lastTimestampMs: number;
  /** Sum of steps over the first samples, to size the daily profile. */
  stepSumMs: number;
  /** Offset from the long-run mean by time of day, one value per knot; empty until the typical step is known. */
  profile: number[];
  /** The knot of the last sample (−1 before the profile exists) and the time at which it ends. */
  knot: number;
  knotEndMs: number;
  /** Length of a knot (0 before the profile exists). */
  knotMs: number;
  /** Learning rate of the profile, set once a day. */
  seasonRate: number;
  /**
   * Day of week: 7 level offsets (Sunday first, UTC) then 7 counts of days learned, the offset applied today (0
   * until the offsets explain enough variance, after `weekStartDays`), the current day's number (days since
   * 1970-01-01), the sample count at its start and its sum of offsets from the baseline.
   */
  week: number[];
  weekOffset: number;
  weekActive: boolean;
  day: number;
  dayStartCount: number;
  daySum: number;
  /** Long-run mean and variance of the value minus the seasonal offsets. */
  mean: number;
  variance: number;
  previous: number;
  /** Short-term average and mean absolute step. */
  smooth: number;
  spread: number;
  /**
   * Remembered ranges of the value, the short-term average, the variability and the value minus the seasonal
   * baseline, 4 numbers each: low, high, and the sample count at which the low end and the high end were last
   * visited. A range with low > high is empty (the last one until `profileStartDays`).
   */
  ranges: number[];
  /** Recent peak of novelty, decaying per sample. */
  peak: number;
  /** Consecutive samples beyond persistenceSigma, signed (+ above, − below). */
  persistence: number;
  /**
   * The explanation of the sample scored last, as the numbers behind it (σ and the spread are derived when it is
   * read): written by every `scoreSample` and `step` on this state, read by `explainLast(state)` right after. Nothing
   * is learned from these; a stored value is overwritten before it is read again, so a state stored before these
   * fields existed works unchanged (same version).
   */
  explainedDeviation: number;
  explainedVariance: number;
  explainedPersistence: number;
  explainedLevel: number;
  explainedReason: string;
}

export function createDetectorState(options: Partial<DetectorOptions> = {}): DetectorState {
  // Literals, not `new Array(n)`: packed arrays of numbers (holes would slow every read of them down).
  const ranges = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0];
  const week = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  return {
    version: 5,
    direction: options.direction ?? 'both',
    count: 0,
    firstTimestampMs: 0,
    lastTimestampMs: 0,
    stepSumMs: 0,
    profile: [],
    knot: -1,
    knotEndMs: 0,
    knotMs: 0,
    seasonRate: 1,
    week,
    weekOffset: 0,
    weekActive: false,
    day: 0,
    dayStartCount: 0,
    daySum: 0,
    mean: 0,
    variance: 0,
    previous: 0,
    smooth: 0,
    spread: 0,
    ranges,
    peak: 0,
    persistence: 0,
    explainedDeviation: 0,
    explainedVariance: 0,
    explainedPersistence: 0,
    explainedLevel: 0,
    explainedReason: '',
  };
}
