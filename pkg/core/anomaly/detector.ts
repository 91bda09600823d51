/**
 * Streaming anomaly detector for one metric series, built for the Prometheus poller: one small state per series
 * (plain JSON, stored between polls), one `step` per new sample, O(1) time and memory per point, no clock, no
 * randomness, no look-ahead.
 *
 * How a point is scored:
 * 1. Time of day. A daily profile (offset from the long-run mean by time of day) is learned online; when removing it
 *    explains a clear share of the series' variance, values are compared after removing the profile (a daily peak is
 *    then not an anomaly, and a missing daily peak is one).
 * 2. Two surprise channels: how far the (adjusted) value is from the series' long-run mean in standard deviations
 *    (level), and how much the short-term variability differs from the long-run one (variability; catches a
 *    series that goes flat or starts to thrash without leaving its range).
 * 3. Calibration per series: each channel is divided by its own running 99th percentile, so a series that is
 *    always spiky needs a bigger excursion than a calm one to look equally unusual.
 * 4. Onset emphasis: the score is how much the calibrated surprise exceeds the recent peak of surprise (which
 *    decays with a half-life in time). An anomaly scores high when it starts and not again while it lasts, and a
 *    persistent shift is re-baselined so that one change is not an anomaly forever.
 */
import { DAY_MS, knotCount, knotPosition, learnProfile, profileAt } from './season.ts';
import { averagingRate, quantileFactors, updateMeanVariance, updateQuantile, type MeanVariance } from './stats.ts';

/** Which side of a deviation is bad for this metric: latency 'up', throughput 'down', unknown 'both'. */
export type Direction = 'up' | 'down' | 'both';

export interface DetectorOptions {
  direction: Direction;
}

/** One parameter set for every series (no per-series tuning). */
export const DETECTOR_PARAMETERS = Object.freeze({
  /** Points before any score is given: the baselines need some history. */
  warmupPoints: 100,
  /** Points used to measure the typical step before the daily profile's resolution is fixed. */
  stepSamplePoints: 20,
  /** EWMA rate of the short-term level predictor. */
  levelRate: 0.05,
  /** Lowest learning rate of a daily-profile knot; the first days are averaged exactly. */
  seasonRate: 0.2,
  /** The daily profile is used when the variance left after removing it is below this share of the raw variance. */
  seasonVarianceShare: 0.5,
  /** Lowest rate of the long-run mean and variance (≈ the last 3 000 points, ~10 days at 5 min, once warm). */
  longRate: 0.0003,
  /** EWMA rates of the short-term and long-run mean absolute deviation (variability channel). */
  spreadShortRate: 0.2,
  spreadLongRate: 0.005,
  /** The variability channel counts for this share of the level channel (it is the weaker signal). */
  spreadWeight: 0.7,
  /** Calibration: each channel is divided by its running 99th percentile, tracked at this rate. */
  calibrationQuantile: 0.99,
  calibrationRate: 0.01,
  /** Half-life of the remembered peak of surprise, in days: a repeat within it must be bigger to score again. */
  peakHalfLifeDays: 1.4,
  /** A shift is re-baselined after this many consecutive points beyond `shiftSigma` on the same side. */
  shiftPoints: 30,
  shiftSigma: 4,
});

const P = DETECTOR_PARAMETERS;
/** Scores below this get a fixed reason ("normal", "ongoing"): only points worth showing are worded. */
const REASON_MIN_SCORE = 0.1;
const CALIBRATION = quantileFactors(P.calibrationQuantile, P.calibrationRate);
const PEAK_DECAY_PER_MS = Math.LN2 / (P.peakHalfLifeDays * DAY_MS);

/**
 * Decay factor of the remembered peak over one step. Most series have a fixed step, so the last result is reused
 * instead of calling Math.exp on every sample (a pure cache: same input, same output).
 */
let cachedElapsedMs = 0;
let cachedPeakDecay = 1;
function peakDecayOver(elapsedMs: number): number {
  if (elapsedMs !== cachedElapsedMs) {
    cachedElapsedMs = elapsedMs;
    cachedPeakDecay = Math.exp(-elapsedMs * PEAK_DECAY_PER_MS);
  }
  return cachedPeakDecay;
}

/** Everything the detector remembers about one series: plain numbers and arrays, safe to JSON.stringify. */
export interface DetectorState {
  version: 2;
  direction: Direction;
  /** Points seen (finite values in increasing time). */
  count: number;
  firstTimestampMs: number;
  lastTimestampMs: number;
  /** Sum of steps over the first points, to size the daily profile. */
  stepSumMs: number;
  /** Short-term level (EWMA), the reference of the variability channel. */
  level: number;
  /** Offset from the long-run mean by time of day; empty until the typical step is known. */
  profile: number[];
  /** Long-run mean and variance of the raw value and of the value minus the daily profile. */
  raw: MeanVariance;
  adjusted: MeanVariance;
  /** Short-term and long-run mean absolute deviation from the level. */
  spreadShort: number;
  spreadLong: number;
  /** Running 99th percentiles of the level and variability channels. */
  calibration: [number, number];
  /** Recent peak of calibrated surprise, decaying with time. */
  peak: number;
  /** Consecutive points beyond shiftSigma, signed (+ above, − below). */
  persistence: number;
}

export interface StepExplanation {
  /** Deviation of the value from its baseline in standard deviations (signed). */
  sigma: number;
  direction: 'up' | 'down';
  /** Consecutive points the deviation has stayed beyond the shift limit on this side. */
  persistence: number;
  /** What the value was compared with: the expected level (time-of-day adjusted when that helps) and its spread. */
  baseline: { level: number; spread: number };
  reason: string;
}

export interface StepResult {
  /** 0 = nothing unusual; near 1 = the onset of a change much bigger than this series usually shows. */
  score: number;
  explanation: StepExplanation;
}

export function createDetectorState(options: Partial<DetectorOptions> = {}): DetectorState {
  return {
    version: 2,
    direction: options.direction ?? 'both',
    count: 0,
    firstTimestampMs: 0,
    lastTimestampMs: 0,
    stepSumMs: 0,
    level: 0,
    profile: [],
    raw: { mean: 0, variance: 0 },
    adjusted: { mean: 0, variance: 0 },
    spreadShort: 0,
    spreadLong: 0,
    calibration: [1, 1],
    peak: 0,
    persistence: 0,
  };
}

/** Deviation counted toward the score: only the bad side for one-sided metrics. */
function badSide(direction: Direction, sigma: number): number {
  if (direction === 'up') {
    return Math.max(0, sigma);
  }
  if (direction === 'down') {
    return Math.max(0, -sigma);
  }
  return Math.abs(sigma);
}

function quietResult(state: DetectorState, reason: string): StepResult {
  return {
    score: 0,
    explanation: {
      sigma: 0,
      direction: 'up',
      persistence: 0,
      baseline: { level: state.raw.mean, spread: Math.sqrt(state.raw.variance) },
      reason,
    },
  };
}

function startSeries(state: DetectorState, timestampMs: number, value: number): void {
  state.count = 1;
  state.firstTimestampMs = timestampMs;
  state.lastTimestampMs = timestampMs;
  state.level = value;
  state.raw = { mean: value, variance: 0 };
  state.adjusted = { mean: value, variance: 0 };
}

/**
 * True when comparing values after removing the daily profile is clearly better: the profile has had about two days
 * to form, and the variance left around the long-run mean without it is well below the raw variance.
 */
function profileHelps(state: DetectorState): boolean {
  return (
    state.profile.length > 0 &&
    state.count > 2 * state.profile.length &&
    state.adjusted.variance < P.seasonVarianceShare * state.raw.variance
  );
}

/**
 * Size of a ratio on a log scale without a logarithm: |r − 1| / (r + 1) is |tanh(ln(r) / 2)|, which grows like
 * |ln r| / 2 for moderate ratios and saturates at 1 for extreme ones (symmetric: r and 1/r give the same value).
 */
function logRatioSize(ratio: number): number {
  return Math.abs(ratio - 1) / (ratio + 1);
}

function sigmaOf(stats: MeanVariance, x: number): number {
  const sd = Math.sqrt(stats.variance);
  return sd > 0 ? (x - stats.mean) / sd : 0;
}

/** After a persistent shift the long-run baseline jumps to the new level, keeping its spread. */
function trackShift(state: DetectorState, sigma: number, rawValue: number, adjustedValue: number): void {
  const side = sigma > P.shiftSigma ? 1 : sigma < -P.shiftSigma ? -1 : 0;
  state.persistence = side !== 0 && Math.sign(state.persistence) !== -side ? state.persistence + side : side;
  if (Math.abs(state.persistence) >= P.shiftPoints) {
    state.raw.mean = rawValue;
    state.adjusted.mean = adjustedValue;
    state.persistence = 0;
  }
}

function describe(
  useProfile: boolean,
  levelPart: number,
  spreadPart: number,
  sigma: number,
  spreadRatio: number
): string {
  if (spreadPart > levelPart) {
    return spreadRatio >= 1
      ? `variability ${spreadRatio.toFixed(1)}× its usual level`
      : `variability down to ${(spreadRatio * 100).toFixed(0)} % of its usual level`;
  }
  const side = sigma >= 0 ? 'above' : 'below';
  return `${Math.abs(sigma).toFixed(1)}σ ${side} its usual level${useProfile ? ' for this time of day' : ''}`;
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
  const elapsedMs = timestampMs - state.lastTimestampMs;
  if (state.profile.length === 0) {
    state.stepSumMs += elapsedMs;
    if (state.count >= P.stepSamplePoints) {
      state.profile = new Array<number>(knotCount(state.stepSumMs / state.count)).fill(0);
    }
  }
  const at = knotPosition(Math.max(1, state.profile.length), timestampMs);
  const seasonal = profileAt(state.profile, at);
  const adjustedValue = value - seasonal;

  // Level channel: distance from the long-run baseline, on the time-of-day adjusted value when that helps.
  const useProfile = profileHelps(state);
  const baseline = useProfile ? state.adjusted : state.raw;
  const rawSd = Math.sqrt(state.raw.variance);
  const baselineSd = useProfile ? Math.sqrt(state.adjusted.variance) : rawSd;
  const sigma = baselineSd > 0 ? ((useProfile ? adjustedValue : value) - baseline.mean) / baselineSd : 0;

  // Variability channel: short-term vs long-run mean absolute deviation from the short-term level, in octaves.
  const deviation = Math.abs(value - state.level);
  state.spreadShort += P.spreadShortRate * (deviation - state.spreadShort);
  const floor = 1e-12 + 0.01 * rawSd;
  const spreadRatio = (state.spreadShort + floor) / (state.spreadLong + floor);
  const spreadOctaves = state.spreadLong > 0 ? logRatioSize(spreadRatio) : 0;
  state.spreadLong += P.spreadLongRate * (deviation - state.spreadLong);

  // Calibrate both channels against this series' own history, then combine.
  const levelSurprise = badSide(state.direction, sigma);
  const levelPart = levelSurprise / state.calibration[0];
  // For a one-sided metric, variability that comes with a move to the good side is not counted.
  // The short-term level tells whether a recent move (e.g. a drop and its recovery) went to the good side.
  const goodSideMove =
    state.direction !== 'both' &&
    ((levelSurprise === 0 && Math.abs(sigma) > 1) ||
      badSide(state.direction, -sigmaOf(state.raw, state.level)) > 1);
  const spreadPart = goodSideMove ? 0 : (P.spreadWeight * spreadOctaves) / state.calibration[1];
  state.calibration[0] = updateQuantile(state.calibration[0], levelSurprise, CALIBRATION);
  state.calibration[1] = updateQuantile(state.calibration[1], spreadOctaves, CALIBRATION);
  const combined = Math.max(levelPart, spreadPart);
  const remembered = state.peak * peakDecayOver(elapsedMs);
  // log2(1 + x) ≤ x·log2(e): when even that bound stays under the remembered peak and x ≤ 1 (so the exact value is at
  // most 1), the exact value changes nothing below, and the logarithm is skipped (most quiet samples).
  const surprise =
    combined <= 1 && combined * Math.LOG2E <= remembered ? Math.min(1, combined * Math.LOG2E) : Math.log2(1 + combined);

  // Learn: long-run baselines, shift tracking, the short-term level and the daily profile.
  updateMeanVariance(state.raw, value, averagingRate(state.count, P.longRate));
  updateMeanVariance(state.adjusted, adjustedValue, averagingRate(state.count, P.longRate));
  trackShift(state, sigma, value, adjustedValue);
  state.level += P.levelRate * (value - state.level);
  const days = (timestampMs - state.firstTimestampMs) / DAY_MS;
  learnProfile(state.profile, at, value - state.adjusted.mean, Math.max(P.seasonRate, 1 / (1 + days)));
  state.count++;
  state.lastTimestampMs = timestampMs;

  // Onset emphasis: score only what exceeds the recent peak of surprise.
  const excess = Math.max(0, surprise - remembered);
  const warm = state.count > P.warmupPoints;
  if (warm) {
    state.peak = Math.max(surprise, remembered);
  }
  const score = warm ? excess / (excess + 1) : 0;
  return {
    score,
    explanation: {
      sigma,
      direction: sigma >= 0 ? 'up' : 'down',
      persistence: Math.abs(state.persistence),
      baseline: { level: baseline.mean + (useProfile ? seasonal : 0), spread: baselineSd },
      // Only points worth showing are worded; the rest get a fixed reason.
      reason: !warm
        ? 'warming up'
        : score >= REASON_MIN_SCORE
          ? describe(useProfile, levelPart, spreadPart, sigma, spreadRatio)
          : excess === 0 && surprise > remembered * 0.5 && surprise > 1
            ? 'ongoing'
            : 'normal',
    },
  };
}
