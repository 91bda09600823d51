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
 * nothing is allocated per sample except `step`'s result (none with `scoreSample`), and the explanation is built only
 * when it is read. `advance`
 * is written for the per-sample cost (see its comment); the plain formulas are those of the comments and of the
 * parameters below.
 */
import { DAY_MS, emptyProfile, knotCount, knotPosition } from './season.ts';

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
  declare readonly score: number;
  declare private readonly sigma: number;
  declare private readonly persistenceCount: number;
  declare private readonly level: number;
  declare private readonly spread: number;
  declare private readonly reason: string;
  declare private built: StepExplanation | undefined;

  constructor(score: number, sigma: number, persistence: number, level: number, spread: number, reason: string) {
    this.score = score;
    this.sigma = sigma;
    this.persistenceCount = persistence;
    this.level = level;
    this.spread = spread;
    this.reason = reason;
    this.built = undefined;
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

/**
 * The explanation of the sample `advance` has just scored, read by `step` (or `explainLast`) right after: a fixed
 * object of numbers (updated in place, nothing allocated) instead of a second return value.
 */
const explained = { sigma: 0, persistence: 0, level: 0, spread: 0, reason: '' };

/** Scores nothing: a sample that is skipped or only learned from; the baseline as it stands. */
function quiet(state: DetectorState, reason: string): number {
  explained.sigma = 0;
  explained.persistence = 0;
  explained.level = state.mean;
  explained.spread = Math.sqrt(state.variance);
  explained.reason = reason;
  return 0;
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

// The parameters as plain constants for the per-sample path (read once here, not from the frozen object per sample).
const TOUCH_SHARE = P.touchShare;
const HOLD_POINTS = P.holdPoints;
const RANGE_DECAY = P.rangeDecay;
const SMOOTH_RATE = P.smoothRate;
const SPREAD_RATE = P.spreadRate;
const VALUE_WEIGHT = P.valueWeight;
const SMOOTH_WEIGHT = P.smoothWeight;
const SPREAD_WEIGHT = P.spreadWeight;
const PROFILE_WEIGHT = P.profileWeight;
const YOUNG_POINTS = P.youngPoints;
const PEAK_RETENTION = P.peakRetention;
const WARMUP_POINTS = P.warmupPoints;
const STEP_SAMPLE_POINTS = P.stepSamplePoints;
const PERSISTENCE_SIGMA = P.persistenceSigma;
const LONG_RATE = P.longRate;
/** The long-run rate is 1 / (count + 1) until count + 1 exceeds this, then `longRate`. */
const LONG_RATE_FROM = 1 / P.longRate;
const LONG_KEEP = 1 - P.longRate;
const SEASON_RATE = P.seasonRate;
/** Days after which the daily profile learns at `seasonRate` (before: the exact average of the days so far). */
const SEASON_RATE_FROM_DAYS = 1 / P.seasonRate - 1;
const PROFILE_START_DAYS = P.profileStartDays;
const PROFILE_SCORE_DAYS = P.profileStartDays + P.profileWarmupDays;

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
 *
 * Kept small on purpose: the work is in `advance`, and this wrapper (the result object only) is small enough for the
 * compiler to inline into the caller's loop.
 */
export function step(state: DetectorState, timestampMs: number, value: number): StepResult {
  const score = advance(state, timestampMs, value);
  return new ScoredStep(
    score,
    explained.sigma,
    explained.persistence,
    explained.level,
    explained.spread,
    explained.reason
  );
}

/**
 * `step` without the result object, for callers that need the score of every sample but the explanation of few (the
 * poller, the NAB benchmark): learns from the sample exactly as `step` does (same state, same score, bit for bit) and
 * returns its score. Nothing is allocated; the explanation of this sample can be built afterwards with
 * `explainLast()`, before the next call of `scoreSample` or `step` on any series.
 */
export function scoreSample(state: DetectorState, timestampMs: number, value: number): number {
  return advance(state, timestampMs, value);
}

/**
 * The explanation of the sample scored last (by `scoreSample` or `step`, on whichever series): the same object that
 * `step(...).explanation` gives for it. Call it right after `scoreSample`, before the next sample is scored.
 */
export function explainLast(): StepExplanation {
  const sigma = explained.sigma;
  return {
    sigma,
    direction: sigma >= 0 ? 'up' : 'down',
    persistence: explained.persistence,
    baseline: { level: explained.level, spread: explained.spread },
    reason: explained.reason,
  };
}

/**
 * `step` without the result object: learns from the sample, returns its score and leaves its explanation in
 * `explained`.
 *
 * Written for the per-sample cost (about half of the straightforward version's, docs/benchmarks.md): every state
 * field is read once into a local and written back once; the range updates, the novelties and the profile's read and
 * update are written out by hand (the compiler's inlining budget did not cover them all, and the profile's two knots
 * and weight are found once for both); a novelty is computed only when the sample is outside a range, and divisions
 * whose result is known (0 / x, a constant rate) are skipped; nothing is boxed (see `value`). Every floating-point
 * operation that reaches the state or the result is the one of the plain formulas, in the same order: scores,
 * explanations and states are bit-for-bit those of the straightforward version (checked over the whole NAB corpus).
 */
function advance(state: DetectorState, timestampMs: number, sample: number): number {
  // `sample * 1` is the same number (also −0 and NaN), but one the compiler knows is a number: it keeps it unboxed
  // where it meets computed values (a range end set to the value), instead of boxing those each sample.
  const value = sample * 1;
  if (!Number.isFinite(value) || !Number.isFinite(timestampMs)) {
    return quiet(state, 'no value');
  }
  const count = state.count;
  if (count === 0) {
    startSeries(state, timestampMs, value);
    return quiet(state, 'warming up');
  }
  const lastTimestampMs = state.lastTimestampMs;
  if (timestampMs <= lastTimestampMs) {
    return quiet(state, 'sample not after the previous one');
  }
  const ranges = state.ranges;
  const elapsedMs = timestampMs - lastTimestampMs;
  let profile = state.profile;
  // The profile's size as it was before this sample (it is fixed once the typical step is known, below).
  const knots = profile.length;
  if (knots === 0) {
    state.stepSumMs += elapsedMs;
    if (count >= STEP_SAMPLE_POINTS) {
      profile = emptyProfile(knotCount(state.stepSumMs / count));
      state.profile = profile;
    }
  }
  // Daily profile at this time of day: linear interpolation between the knots around it (see season.ts).
  const at = knotPosition(knots > 0 ? knots : 1, timestampMs);
  const size = profile.length;
  let left = 0;
  let right = 0;
  let weight = 0;
  let seasonal = 0;
  if (size > 0) {
    const floor = Math.floor(at);
    left = floor < size ? floor : 0;
    right = left + 1 === size ? 0 : left + 1;
    weight = at - floor;
    seasonal = profile[left]! * (1 - weight) + profile[right]! * weight;
  }
  const mean = state.mean;
  const deseasoned = value - seasonal - mean;
  const elapsedDays = (timestampMs - state.firstTimestampMs) / DAY_MS;
  const previousSmooth = state.smooth;
  const smooth = previousSmooth + SMOOTH_RATE * (value - previousSmooth);
  state.smooth = smooth;
  // After a gap the step spans several usual steps: scale it back as a random walk would (√ of the time ratio).
  const usualStepMs = knots > 0 ? DAY_MS / knots : elapsedMs;
  const stepSize =
    elapsedMs > 2 * usualStepMs
      ? Math.abs(value - state.previous) * Math.sqrt(usualStepMs / elapsedMs)
      : Math.abs(value - state.previous);
  const previousSpread = state.spread;
  const spread = previousSpread + SPREAD_RATE * (stepSize - previousSpread);
  state.spread = spread;

  const variance = state.variance;
  const sd = Math.sqrt(variance);
  const sigma = sd > 0 ? deseasoned / sd : 0;
  const direction = state.direction;
  const up = direction !== 'down';
  const down = direction !== 'up';

  // Novelty of each feature: how far it goes beyond its range on a bad side, as a share of the range's width (0
  // inside the range or when the range is empty), times the feature's weight.
  const valueLow = ranges[VALUE]!;
  const valueHigh = ranges[VALUE + 1]!;
  const smoothLow = ranges[SMOOTH]!;
  const smoothHigh = ranges[SMOOTH + 1]!;
  const spreadLow = ranges[SPREAD]!;
  const spreadHigh = ranges[SPREAD + 1]!;
  let valuePart = 0;
  if (value > valueHigh || value < valueLow) {
    const width = valueHigh - valueLow;
    if (width > 0) {
      if (up && value > valueHigh) {
        valuePart = VALUE_WEIGHT * ((value - valueHigh) / width);
      } else if (down && value < valueLow) {
        valuePart = VALUE_WEIGHT * ((valueLow - value) / width);
      }
    }
  }
  let smoothPart = 0;
  if (smooth > smoothHigh || smooth < smoothLow) {
    const width = smoothHigh - smoothLow;
    if (width > 0) {
      if (up && smooth > smoothHigh) {
        smoothPart = SMOOTH_WEIGHT * ((smooth - smoothHigh) / width);
      } else if (down && smooth < smoothLow) {
        smoothPart = SMOOTH_WEIGHT * ((smoothLow - smooth) / width);
      }
    }
  }
  let spreadPart = 0;
  if (spread > spreadHigh) {
    const width = spreadHigh - spreadLow;
    // For a one-sided metric, variability that comes with a move to the good side is not counted.
    const goodSideMove =
      direction !== 'both' &&
      (direction === 'up'
        ? sigma < -1 || smooth - seasonal - mean < -0.5 * sd
        : sigma > 1 || smooth - seasonal - mean > 0.5 * sd);
    if (width > 0 && !goodSideMove) {
      spreadPart = SPREAD_WEIGHT * ((spread - spreadHigh) / width);
    }
  }
  let profilePart = 0;
  if (elapsedDays > PROFILE_SCORE_DAYS) {
    const low = ranges[DESEASONED]!;
    const high = ranges[DESEASONED + 1]!;
    const width = high - low;
    if (width > 0) {
      if (up && deseasoned > high) {
        profilePart = PROFILE_WEIGHT * ((deseasoned - high) / width);
      } else if (down && deseasoned < low) {
        profilePart = PROFILE_WEIGHT * ((low - deseasoned) / width);
      }
    }
  }
  const warm = count > WARMUP_POINTS;
  const parts = valuePart + smoothPart + spreadPart + profilePart;
  const novel = parts === 0 ? 0 : (parts * count) / (count + YOUNG_POINTS);
  const remembered = state.peak * PEAK_RETENTION;
  const excess = novel > remembered ? novel - remembered : 0;
  if (warm) {
    state.peak = novel > remembered ? novel : remembered;
  }

  // Learn: baseline (exact average of the first samples, then an EWMA), ranges, daily profile.
  const rate = count + 1 > LONG_RATE_FROM ? LONG_RATE : 1 / (count + 1);
  const newMean = mean + rate * deseasoned;
  state.mean = newMean;
  state.variance = (rate === LONG_RATE ? LONG_KEEP : 1 - rate) * (variance + rate * deseasoned * deseasoned);
  // Remember each feature's range: stretched to the sample; an end that the sample comes within `touchShare` of the
  // width of is held (its age back to 0); an end not visited for `holdPoints` samples is pulled toward a centre by
  // `rangeDecay`. Written out for each feature: the value and the short-term average around the new mean, the
  // variability around its own range's middle (reset to the sample until the step size is known), the value minus
  // the profile around 0 (from `profileStartDays` on; started at the first such sample).
  {
    let low = valueLow;
    let high = valueHigh;
    const near = TOUCH_SHARE * (high - low);
    const lowAge = value <= low + near ? 0 : ranges[VALUE + 2]! + 1;
    const highAge = value >= high - near ? 0 : ranges[VALUE + 3]! + 1;
    if (value > high) {
      high = value;
    }
    if (value < low) {
      low = value;
    }
    if (highAge > HOLD_POINTS) {
      high -= RANGE_DECAY * (high - newMean);
    }
    if (lowAge > HOLD_POINTS) {
      low -= RANGE_DECAY * (low - newMean);
    }
    ranges[VALUE] = low;
    ranges[VALUE + 1] = high;
    ranges[VALUE + 2] = lowAge;
    ranges[VALUE + 3] = highAge;
  }
  {
    let low = smoothLow;
    let high = smoothHigh;
    const near = TOUCH_SHARE * (high - low);
    const lowAge = smooth <= low + near ? 0 : ranges[SMOOTH + 2]! + 1;
    const highAge = smooth >= high - near ? 0 : ranges[SMOOTH + 3]! + 1;
    if (smooth > high) {
      high = smooth;
    }
    if (smooth < low) {
      low = smooth;
    }
    if (highAge > HOLD_POINTS) {
      high -= RANGE_DECAY * (high - newMean);
    }
    if (lowAge > HOLD_POINTS) {
      low -= RANGE_DECAY * (low - newMean);
    }
    ranges[SMOOTH] = low;
    ranges[SMOOTH + 1] = high;
    ranges[SMOOTH + 2] = lowAge;
    ranges[SMOOTH + 3] = highAge;
  }
  if (count > STEP_SAMPLE_POINTS) {
    const centre = 0.5 * (spreadLow + spreadHigh);
    let low = spreadLow;
    let high = spreadHigh;
    const near = TOUCH_SHARE * (high - low);
    const lowAge = spread <= low + near ? 0 : ranges[SPREAD + 2]! + 1;
    const highAge = spread >= high - near ? 0 : ranges[SPREAD + 3]! + 1;
    if (spread > high) {
      high = spread;
    }
    if (spread < low) {
      low = spread;
    }
    if (highAge > HOLD_POINTS) {
      high -= RANGE_DECAY * (high - centre);
    }
    if (lowAge > HOLD_POINTS) {
      low -= RANGE_DECAY * (low - centre);
    }
    ranges[SPREAD] = low;
    ranges[SPREAD + 1] = high;
    ranges[SPREAD + 2] = lowAge;
    ranges[SPREAD + 3] = highAge;
  } else {
    resetRange(ranges, SPREAD, spread);
  }
  if (elapsedDays > PROFILE_START_DAYS) {
    let low = ranges[DESEASONED]!;
    let high = ranges[DESEASONED + 1]!;
    let lowAge = ranges[DESEASONED + 2]!;
    let highAge = ranges[DESEASONED + 3]!;
    if (low > high) {
      low = deseasoned;
      high = deseasoned;
      lowAge = 0;
      highAge = 0;
    }
    const near = TOUCH_SHARE * (high - low);
    lowAge = deseasoned <= low + near ? 0 : lowAge + 1;
    highAge = deseasoned >= high - near ? 0 : highAge + 1;
    if (deseasoned > high) {
      high = deseasoned;
    }
    if (deseasoned < low) {
      low = deseasoned;
    }
    if (highAge > HOLD_POINTS) {
      high -= RANGE_DECAY * high;
    }
    if (lowAge > HOLD_POINTS) {
      low -= RANGE_DECAY * low;
    }
    ranges[DESEASONED] = low;
    ranges[DESEASONED + 1] = high;
    ranges[DESEASONED + 2] = lowAge;
    ranges[DESEASONED + 3] = highAge;
  }
  if (size > 0) {
    // The error is the offset from what the profile gave above (it has not changed since).
    const error = value - newMean - seasonal;
    const seasonRate = elapsedDays > SEASON_RATE_FROM_DAYS ? SEASON_RATE : 1 / (1 + elapsedDays);
    profile[left] = profile[left]! + seasonRate * (1 - weight) * error;
    profile[right] = profile[right]! + seasonRate * weight * error;
  }
  const side = sigma > PERSISTENCE_SIGMA ? 1 : sigma < -PERSISTENCE_SIGMA ? -1 : 0;
  const previousPersistence = state.persistence;
  const persistence =
    side === 0
      ? 0
      : (side > 0 ? previousPersistence >= 0 : previousPersistence <= 0)
        ? previousPersistence + side
        : side;
  state.persistence = persistence;
  state.previous = value;
  state.count = count + 1;
  state.lastTimestampMs = timestampMs;

  const score = warm && excess > 0 ? excess / (excess + 1) : 0;
  const reason = !warm
    ? 'warming up'
    : score >= REASON_MIN_SCORE
      ? reasonOf(valuePart, profilePart, smoothPart)
      : novel > 0 && excess === 0
        ? 'ongoing'
        : 'normal';
  explained.sigma = sigma;
  explained.persistence = Math.abs(persistence);
  explained.level = newMean + seasonal;
  explained.spread = sd;
  explained.reason = reason;
  return score;
}
