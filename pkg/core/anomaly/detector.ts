/**
 * Streaming anomaly detector for one metric series, built for the Prometheus poller: one small state per series
 * (plain JSON, stored between polls), one `step` per new sample, O(1) time and memory per point, no clock, no
 * randomness, no look-ahead.
 *
 * How a point is scored — novelty against the series' own remembered range:
 * 1. Four features are followed: the value, its short-term average (a drift that noise alone would hide), its
 *    short-term variability (mean absolute step) and, once a daily profile has formed, the value minus the profile
 *    for this time of day (a missing daily peak, a flat day).
 * 2. Each feature has a remembered range [low, high]: stretched at once by a new extreme, held while the series keeps
 *    coming back near that end (a spike size seen every day or two stays "seen"), and once it has not been visited for
 *    `holdPoints` samples, slowly pulled back toward the middle (half-life ≈ 3 500 samples, about 12 days at
 *    5 minutes) so that old extremes are forgotten. A feature's novelty is how far the sample goes beyond the range,
 *    as a share of the range's width: scale-free, so one parameter set fits every series, and a series that is
 *    always spiky has a wide range.
 * 3. The weighted novelties are added (a change seen by several features at once counts more than one alone), and
 *    damped while the series is young (few samples = a narrow range that is easy to break).
 * 4. Onset emphasis: the score is what exceeds the recent peak of novelty (which decays quickly), so a burst of
 *    consecutive new extremes scores at its start only. A level shift scores at its onset; the range then covers
 *    the new level and it is not an anomaly again.
 *
 * This runs on every sample of every polled series: the state is flat numbers (the four ranges in one packed array),
 * nothing is allocated per sample except the result, and the explanation is built only when it is read.
 */
import { DAY_MS, emptyProfile, knotCount, knotPosition, learnProfile, profileAt } from './season.ts';

/** Which side of a deviation is bad for this metric: latency 'up', throughput 'down', unknown 'both'. */
export type Direction = 'up' | 'down' | 'both';

export interface DetectorOptions {
  direction: Direction;
}

/** One parameter set for every series (no per-series tuning). */
export const DETECTOR_PARAMETERS = Object.freeze({
  /** Samples before any score is given. */
  warmupPoints: 100,
  /** Samples used to measure the typical step before the daily profile's resolution is fixed. */
  stepSamplePoints: 20,
  /** Lowest learning rate of a daily-profile knot; the first days are averaged exactly. */
  seasonRate: 0.2,
  /** Lowest rate of the long-run mean and variance (the centre of the ranges and the explanation's baseline). */
  longRate: 0.0003,
  /** EWMA rates of the short-term average and of the mean absolute step. */
  smoothRate: 0.1,
  spreadRate: 0.1,
  /** Per sample, an end of a range not visited for `holdPoints` shrinks toward the centre by this share. */
  rangeDecay: 0.0002,
  /** An end of a range is held while samples keep coming within `touchShare` of the range's width from it. */
  holdPoints: 400,
  touchShare: 0.2,
  /** The time-of-day feature starts being remembered after this many days, and scores after this many more. */
  profileStartDays: 5,
  profileWarmupDays: 3,
  /** Weights of the novelties (a share of the range's width beyond it, times the weight). */
  valueWeight: 10,
  smoothWeight: 10,
  spreadWeight: 3,
  profileWeight: 3,
  /** Novelty is damped by count / (count + youngPoints): a young series' narrow range is broken easily. */
  youngPoints: 1000,
  /** Per sample, the remembered peak of novelty keeps this share (a burst scores at its start only). */
  peakRetention: 0.9,
  /** Consecutive samples beyond this many standard deviations on one side are reported as persistence. */
  persistenceSigma: 3,
});

const P = DETECTOR_PARAMETERS;
/** Scores below this get a fixed reason: only points worth showing are worded. */
const REASON_MIN_SCORE = 0.1;

/**
 * Default score at which the poller raises a metric signal: the threshold the NAB standard profile chooses on the
 * whole NAB corpus given to this project (`npm run bench:nab -- --data <NAB folder>`, "standard" row: 0.19620…,
 * rounded down to 4 digits, which flags exactly the same rows; see docs/benchmarks.md). The benchmark prints the
 * score at this value next to the chosen one: re-run it and update this whenever the detector changes.
 */
export const ANOMALY_THRESHOLD = 0.1962;

/** Offsets of the features' ranges in `DetectorState.ranges`; each range is [low, high, lowAge, highAge]. */
const VALUE = 0;
const SMOOTH = 4;
const SPREAD = 8;
const DESEASONED = 12;

/** Everything the detector remembers about one series: plain numbers and arrays, safe to JSON.stringify. */
export interface DetectorState {
  version: 4;
  direction: Direction;
  /** Samples seen (finite values in increasing time). */
  count: number;
  firstTimestampMs: number;
  lastTimestampMs: number;
  /** Sum of steps over the first samples, to size the daily profile. */
  stepSumMs: number;
  /** Offset from the long-run mean by time of day; empty until the typical step is known. */
  profile: number[];
  /** Long-run mean and variance of the value minus the daily profile. */
  mean: number;
  variance: number;
  previous: number;
  /** Short-term average and mean absolute step. */
  smooth: number;
  spread: number;
  /**
   * Remembered ranges of the value, the short-term average, the variability and the value minus profile minus
   * long-run mean, 4 numbers each: low, high, samples since the low end was visited, since the high end was. A range
   * with low > high is empty (the last one until `profileStartDays`).
   */
  ranges: number[];
  /** Recent peak of novelty, decaying per sample. */
  peak: number;
  /** Consecutive samples beyond persistenceSigma, signed (+ above, − below). */
  persistence: number;
}

export interface StepExplanation {
  /** Deviation of the value from its baseline in standard deviations (signed). */
  sigma: number;
  direction: 'up' | 'down';
  /** Consecutive samples the deviation has stayed beyond persistenceSigma on this side. */
  persistence: number;
  /** What the value was compared with: the expected level for this time of day and its spread. */
  baseline: { level: number; spread: number };
  reason: string;
}

export interface StepResult {
  /** 0 = nothing unusual; near 1 = the onset of a change far beyond anything this series showed recently. */
  score: number;
  explanation: StepExplanation;
}

/**
 * A step's result: the score and the numbers behind the explanation, whose object is built when first read (most
 * samples' explanations are never looked at). Reads like a plain `StepResult`; `toJSON` gives the plain object.
 */
class ScoredStep implements StepResult {
  readonly score: number;
  private readonly sigma: number;
  private readonly persistenceCount: number;
  private readonly level: number;
  private readonly spread: number;
  private readonly reason: string;
  private built: StepExplanation | undefined = undefined;

  constructor(score: number, sigma: number, persistence: number, level: number, spread: number, reason: string) {
    this.score = score;
    this.sigma = sigma;
    this.persistenceCount = persistence;
    this.level = level;
    this.spread = spread;
    this.reason = reason;
  }

  get explanation(): StepExplanation {
    this.built ??= {
      sigma: this.sigma,
      direction: this.sigma >= 0 ? 'up' : 'down',
      persistence: this.persistenceCount,
      baseline: { level: this.level, spread: this.spread },
      reason: this.reason,
    };
    return this.built;
  }

  toJSON(): StepResult {
    return { score: this.score, explanation: this.explanation };
  }
}

export function createDetectorState(options: Partial<DetectorOptions> = {}): DetectorState {
  // A literal, not `new Array(n)`: a packed array of numbers (holes would slow every read of it down).
  const ranges = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0];
  return {
    version: 4,
    direction: options.direction ?? 'both',
    count: 0,
    firstTimestampMs: 0,
    lastTimestampMs: 0,
    stepSumMs: 0,
    profile: [],
    mean: 0,
    variance: 0,
    previous: 0,
    smooth: 0,
    spread: 0,
    ranges,
    peak: 0,
    persistence: 0,
  };
}

function quietResult(state: DetectorState, reason: string): StepResult {
  return new ScoredStep(0, 0, 0, state.mean, Math.sqrt(state.variance), reason);
}

/** Makes the range at `at` exactly [x, x], visited now. */
function resetRange(ranges: number[], at: number, x: number): void {
  ranges[at] = x;
  ranges[at + 1] = x;
  ranges[at + 2] = 0;
  ranges[at + 3] = 0;
}

function startSeries(state: DetectorState, timestampMs: number, value: number): void {
  state.count = 1;
  state.firstTimestampMs = timestampMs;
  state.lastTimestampMs = timestampMs;
  state.mean = value;
  state.variance = 0;
  state.previous = value;
  state.smooth = value;
  resetRange(state.ranges, VALUE, value);
  resetRange(state.ranges, SMOOTH, value);
}

/**
 * How far x goes beyond the range at `at` on the bad side(s), as a share of the range's width (0 inside or when
 * empty).
 */
function novelty(ranges: readonly number[], at: number, x: number, up: boolean, down: boolean): number {
  const low = ranges[at]!;
  const high = ranges[at + 1]!;
  const width = high - low;
  if (!(width > 0)) {
    return 0;
  }
  if (up && x > high) {
    return (x - high) / width;
  }
  if (down && x < low) {
    return (low - x) / width;
  }
  return 0;
}

/**
 * Stretches the range at `at` to x; an end that x comes near is held, an end not visited for `holdPoints` samples
 * is pulled toward `centre` by `rangeDecay`.
 */
function remember(ranges: number[], at: number, x: number, centre: number): void {
  let low = ranges[at]!;
  let high = ranges[at + 1]!;
  const near = P.touchShare * (high - low);
  const lowAge = x <= low + near ? 0 : ranges[at + 2]! + 1;
  const highAge = x >= high - near ? 0 : ranges[at + 3]! + 1;
  if (x > high) {
    high = x;
  }
  if (x < low) {
    low = x;
  }
  if (highAge > P.holdPoints) {
    high -= P.rangeDecay * (high - centre);
  }
  if (lowAge > P.holdPoints) {
    low -= P.rangeDecay * (low - centre);
  }
  ranges[at] = low;
  ranges[at + 1] = high;
  ranges[at + 2] = lowAge;
  ranges[at + 3] = highAge;
}

/** The most telling feature beyond its range, in the order an operator reads them. */
function reasonOf(valuePart: number, profilePart: number, smoothPart: number): string {
  if (valuePart > 0) {
    return 'value beyond its range of the last weeks';
  }
  if (profilePart > 0) {
    return 'value beyond its range of the last weeks for this time of day';
  }
  if (smoothPart > 0) {
    return 'short-term average beyond its range of the last weeks';
  }
  return 'variability beyond its range of the last weeks';
}

/**
 * Feeds one sample. Updates `state` in place (the caller owns it; it is plain JSON and can be stored between polls)
 * and returns the anomaly score of this sample with an explanation. Deterministic: the same state and samples give
 * the same results. NaN/∞ values and samples not after the previous one are ignored (score 0, state unchanged).
 */
export function step(state: DetectorState, timestampMs: number, value: number): StepResult {
  if (!Number.isFinite(value) || !Number.isFinite(timestampMs)) {
    return quietResult(state, 'no value');
  }
  if (state.count === 0) {
    startSeries(state, timestampMs, value);
    return quietResult(state, 'warming up');
  }
  if (timestampMs <= state.lastTimestampMs) {
    return quietResult(state, 'sample not after the previous one');
  }
  const count = state.count;
  const ranges = state.ranges;
  const elapsedMs = timestampMs - state.lastTimestampMs;
  const knots = state.profile.length;
  if (knots === 0) {
    state.stepSumMs += elapsedMs;
    if (count >= P.stepSamplePoints) {
      state.profile = emptyProfile(knotCount(state.stepSumMs / count));
    }
  }
  const at = knotPosition(knots > 0 ? knots : 1, timestampMs);
  const seasonal = profileAt(state.profile, at);
  const mean = state.mean;
  const deseasoned = value - seasonal - mean;
  const elapsedDays = (timestampMs - state.firstTimestampMs) / DAY_MS;
  const profileOn = elapsedDays > P.profileStartDays;
  const smooth = state.smooth + P.smoothRate * (value - state.smooth);
  state.smooth = smooth;
  // After a gap the step spans several usual steps: scale it back as a random walk would (√ of the time ratio).
  const usualStepMs = knots > 0 ? DAY_MS / knots : elapsedMs;
  const stepSize =
    elapsedMs > 2 * usualStepMs
      ? Math.abs(value - state.previous) * Math.sqrt(usualStepMs / elapsedMs)
      : Math.abs(value - state.previous);
  const spread = state.spread + P.spreadRate * (stepSize - state.spread);
  state.spread = spread;

  const sd = Math.sqrt(state.variance);
  const sigma = sd > 0 ? deseasoned / sd : 0;
  const direction = state.direction;
  const up = direction !== 'down';
  const down = direction !== 'up';
  // For a one-sided metric, variability that comes with a move to the good side is not counted.
  const goodSideMove =
    direction !== 'both' &&
    (direction === 'up'
      ? sigma < -1 || smooth - seasonal - mean < -0.5 * sd
      : sigma > 1 || smooth - seasonal - mean > 0.5 * sd);
  const valuePart = P.valueWeight * novelty(ranges, VALUE, value, up, down);
  const smoothPart = P.smoothWeight * novelty(ranges, SMOOTH, smooth, up, down);
  const spreadPart = goodSideMove ? 0 : P.spreadWeight * novelty(ranges, SPREAD, spread, true, false);
  const profilePart =
    elapsedDays > P.profileStartDays + P.profileWarmupDays
      ? P.profileWeight * novelty(ranges, DESEASONED, deseasoned, up, down)
      : 0;
  const warm = count > P.warmupPoints;
  const novel = ((valuePart + smoothPart + spreadPart + profilePart) * count) / (count + P.youngPoints);
  const remembered = state.peak * P.peakRetention;
  const excess = novel > remembered ? novel - remembered : 0;
  if (warm) {
    state.peak = novel > remembered ? novel : remembered;
  }

  // Learn: baseline (exact average of the first samples, then an EWMA), ranges, daily profile.
  const rate = count + 1 > 1 / P.longRate ? P.longRate : 1 / (count + 1);
  const delta = value - seasonal - mean;
  const newMean = mean + rate * delta;
  state.mean = newMean;
  state.variance = (1 - rate) * (state.variance + rate * delta * delta);
  remember(ranges, VALUE, value, newMean);
  remember(ranges, SMOOTH, smooth, newMean);
  if (count > P.stepSamplePoints) {
    remember(ranges, SPREAD, spread, 0.5 * (ranges[SPREAD]! + ranges[SPREAD + 1]!));
  } else {
    resetRange(ranges, SPREAD, spread);
  }
  if (profileOn) {
    if (ranges[DESEASONED]! > ranges[DESEASONED + 1]!) {
      resetRange(ranges, DESEASONED, deseasoned);
    }
    remember(ranges, DESEASONED, deseasoned, 0);
  }
  learnProfile(state.profile, at, value - newMean, elapsedDays > 1 / P.seasonRate - 1 ? P.seasonRate : 1 / (1 + elapsedDays));
  const side = sigma > P.persistenceSigma ? 1 : sigma < -P.persistenceSigma ? -1 : 0;
  const persistence =
    side !== 0 && Math.sign(state.persistence) !== -side ? state.persistence + side : side;
  state.persistence = persistence;
  state.previous = value;
  state.count = count + 1;
  state.lastTimestampMs = timestampMs;

  const score = warm ? excess / (excess + 1) : 0;
  const reason = !warm
    ? 'warming up'
    : score >= REASON_MIN_SCORE
      ? reasonOf(valuePart, profilePart, smoothPart)
      : novel > 0 && excess === 0
        ? 'ongoing'
        : 'normal';
  return new ScoredStep(score, sigma, Math.abs(persistence), newMean + seasonal, sd, reason);
}
