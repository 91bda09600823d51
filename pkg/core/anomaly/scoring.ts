/**
 * Streaming anomaly detector for one metric series, built for the Prometheus poller: one small state per series
 * (plain JSON, stored between polls), one `step` per new sample, O(1) time and memory per point, no clock, no
 * randomness, no look-ahead.
 *
 * How a point is scored — novelty against the series' own remembered range:
 * 1. Four features are followed: the value, its short-term average (a drift that noise alone would hide), its
 *    short-term variability (mean absolute step) and, once a daily profile has formed, the value minus the seasonal
 *    baseline: the profile for this time of day (a missing daily peak, a flat day) plus, after two weeks and only
 *    where it explains at least a tenth of the variance, an offset for the day of week (a weekday at weekend level).
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
 * when it is read (explanation.ts). `advance` is written for the per-sample cost (see its comment); the plain formulas
 * are those of the comments and of the parameters (parameters.ts).
 */
import { explainedSigma, reasonOf, ScoredStep, type StepResult } from './explanation.ts';
import { DETECTOR_PARAMETERS } from './parameters.ts';
import { DAY_MS, emptyProfile, knotCount } from './season.ts';
import type { DetectorState } from './state.ts';

/**
 * Offsets of the features' ranges in `DetectorState.ranges`; each range is [low, high, lowSeen, highSeen]. Declared
 * in this module, like the constants below, and not imported: the compiler folds a module's own constants into the
 * array indexes of the per-sample path, while an imported binding is read at every use (about 15 % slower).
 */
const VALUE = 0;
const SMOOTH = 4;
const SPREAD = 8;
const DESEASONED = 12;

const P = DETECTOR_PARAMETERS;
/** Scores below this get a fixed reason: only points worth showing are worded. */
const REASON_MIN_SCORE = 0.1;

/** Scores nothing: a sample that is skipped or only learned from; the baseline as it stands. */
function quiet(state: DetectorState, reason: string): number {
  state.explainedDeviation = 0;
  state.explainedVariance = state.variance;
  state.explainedPersistence = 0;
  state.explainedLevel = state.mean;
  state.explainedReason = reason;
  return 0;
}

/** Makes the range at `at` exactly [x, x], visited at sample `count`. */
function resetRange(ranges: number[], at: number, x: number, count: number): void {
  ranges[at] = x;
  ranges[at + 1] = x;
  ranges[at + 2] = count;
  ranges[at + 3] = count;
}

function startSeries(state: DetectorState, timestampMs: number, value: number): void {
  state.count = 1;
  state.firstTimestampMs = timestampMs;
  state.lastTimestampMs = timestampMs;
  state.mean = value;
  state.variance = 0;
  state.previous = value;
  state.smooth = value;
  resetRange(state.ranges, VALUE, value, 0);
  resetRange(state.ranges, SMOOTH, value, 0);
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
/** |deviation| beyond persistenceSigma spreads, compared squared (no square root per sample). */
const PERSISTENCE_SIGMA2 = P.persistenceSigma * P.persistenceSigma;
const LONG_RATE = P.longRate;
/** The long-run rate is 1 / (count + 1) until count + 1 exceeds this, then `longRate`. */
const LONG_RATE_FROM = 1 / P.longRate;
const LONG_KEEP = 1 - P.longRate;
const SEASON_RATE = P.seasonRate;
/** Days after which the daily profile learns at `seasonRate` (before: the exact average of the days so far). */
const SEASON_RATE_FROM_DAYS = 1 / P.seasonRate - 1;
const PROFILE_START_MS = P.profileStartDays * DAY_MS;
const PROFILE_SCORE_MS = (P.profileStartDays + P.profileWarmupDays) * DAY_MS;
const WEEK_START_DAYS = P.weekStartDays;
const WEEK_MIN_DAYS = P.weekMinDays;
const WEEK_RATE = P.weekRate;
const WEEK_SHARE = P.weekShare;

/**
 * Feeds one sample. Updates `state` in place (the caller owns it; it is plain JSON and can be stored between polls)
 * and returns the anomaly score of this sample with an explanation. Deterministic: the same state and samples give
 * the same results. NaN/∞ values and samples not after the previous one are ignored (score 0, nothing learned).
 *
 * Kept small on purpose: the work is in `advance`, and this wrapper (the result object only) is small enough for the
 * compiler to inline into the caller's loop.
 */
export function step(state: DetectorState, timestampMs: number, value: number): StepResult {
  const score = advance(state, timestampMs, value);
  return new ScoredStep(
    score,
    explainedSigma(state),
    state.explainedPersistence,
    state.explainedLevel,
    Math.sqrt(state.explainedVariance),
    state.explainedReason
  );
}

/**
 * `step` without the result object, for callers that need the score of every sample but the explanation of few (the
 * poller, the NAB benchmark): learns from the sample exactly as `step` does (same state, same score, bit for bit) and
 * returns its score. Nothing is allocated; the explanation of this sample stays in `state` and can be built afterwards
 * with `explainLast(state)`, before the next call of `scoreSample` or `step` on the same state.
 */
export function scoreSample(state: DetectorState, timestampMs: number, value: number): number {
  return advance(state, timestampMs, value);
}

/**
 * The slow path of the time of day, for a sample that is not in the knot of the previous one nor in the next knot
 * of the same day (the first knot of a new day, a gap, the first sample with a profile): finds its knot by division
 * and, once per new day, does the day's work (`newDay`). Returns the knot.
 */
function enterKnot(state: DetectorState, timestampMs: number, knots: number): number {
  const days = timestampMs / DAY_MS;
  const day = Math.floor(days);
  const at = Math.floor((days - day) * knots);
  const knot = at < knots ? at : knots - 1;
  state.knot = knot;
  state.knotEndMs = day * DAY_MS + (knot + 1) * state.knotMs;
  if (day !== state.day) {
    newDay(state, day, timestampMs);
  }
  return knot;
}

/**
 * Once a day (at its first sample): learns the day of week from the day that ended (the mean offset of its samples
 * from the baseline, plus the weekday offset applied during it), then sets what holds for the new day: the profile's
 * learning rate and the weekday offset to apply — none until every weekday has been learned from two
 * days over at least `weekStartDays`, and only while the offsets explain at least `weekShare` of the variance
 * around the baseline.
 */
function newDay(state: DetectorState, day: number, timestampMs: number): void {
  const week = state.week;
  const samples = state.count - state.dayStartCount;
  if (state.day > 0 && samples > 0) {
    const weekday = (state.day + 4) % 7;
    const observed = state.daySum / samples + state.weekOffset;
    const seen = week[7 + weekday]!;
    const rate = seen + 1 < 1 / WEEK_RATE ? 1 / (seen + 1) : WEEK_RATE;
    week[weekday] = week[weekday]! + rate * (observed - week[weekday]!);
    week[7 + weekday] = seen + 1;
  }
  state.day = day;
  state.dayStartCount = state.count;
  state.daySum = 0;
  const elapsedDays = (timestampMs - state.firstTimestampMs) / DAY_MS;
  state.seasonRate = elapsedDays > SEASON_RATE_FROM_DAYS ? SEASON_RATE : 1 / (1 + elapsedDays);
  let offset = 0;
  if (elapsedDays >= WEEK_START_DAYS) {
    let fewest = week[7]!;
    let sum = 0;
    for (let i = 0; i < 7; i++) {
      fewest = Math.min(fewest, week[7 + i]!);
      sum += week[i]!;
    }
    const average = sum / 7;
    let squares = 0;
    for (let i = 0; i < 7; i++) {
      squares += (week[i]! - average) * (week[i]! - average);
    }
    const explainedVariance = squares / 7;
    // The variance around the baseline excludes the weekday offsets while they are applied: add them back.
    const total = state.variance + (state.weekActive ? explainedVariance : 0);
    state.weekActive = fewest >= WEEK_MIN_DAYS && explainedVariance > WEEK_SHARE * total;
    if (state.weekActive) {
      offset = week[(day + 4) % 7]! - average;
    }
  }
  state.weekOffset = offset;
}

/**
 * `step` without the result object: learns from the sample, returns its score and leaves the numbers of its
 * explanation in `state` (the `explained…` fields).
 *
 * Written for the per-sample cost (docs/benchmarks.md): every state field is read once into a local and written back
 * once; the time of day is the knot of the previous sample or the next one (a comparison), found by division only
 * on a new day or after a gap, and the profile is piecewise constant (one knot read and written); what changes by the
 * day (the profile's rate, the weekday offset) is set once a day; a range end remembers when it was last
 * visited instead of counting samples; a novelty is computed only when the sample is outside a range; σ is not
 * computed per sample (persistence compares squares); nothing is boxed (see `value`).
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
  let knot = state.knot;
  let seasonal = 0;
  if (knot >= 0) {
    const knotEndMs = state.knotEndMs;
    if (timestampMs >= knotEndMs) {
      const nextEndMs = knotEndMs + state.knotMs;
      if (timestampMs < nextEndMs && knot + 1 < profile.length) {
        knot += 1;
        state.knot = knot;
        state.knotEndMs = nextEndMs;
      } else {
        knot = enterKnot(state, timestampMs, profile.length);
      }
    }
    seasonal = profile[knot]! + state.weekOffset;
  } else {
    state.stepSumMs += elapsedMs;
    if (count >= STEP_SAMPLE_POINTS) {
      const knots = knotCount(state.stepSumMs / count);
      profile = emptyProfile(knots);
      state.profile = profile;
      state.knotMs = DAY_MS / knots;
      knot = enterKnot(state, timestampMs, knots);
    }
  }
  const mean = state.mean;
  const deseasoned = value - seasonal - mean;
  const previousSmooth = state.smooth;
  const smooth = previousSmooth + SMOOTH_RATE * (value - previousSmooth);
  state.smooth = smooth;
  // After a gap the step spans several usual steps: scale it back as a random walk would (√ of the time ratio).
  const knotMs = state.knotMs;
  const usualStepMs = knotMs > 0 ? knotMs : elapsedMs;
  const stepSize =
    elapsedMs > 2 * usualStepMs
      ? Math.abs(value - state.previous) * Math.sqrt(usualStepMs / elapsedMs)
      : Math.abs(value - state.previous);
  const previousSpread = state.spread;
  const spread = previousSpread + SPREAD_RATE * (stepSize - previousSpread);
  state.spread = spread;

  const variance = state.variance;
  const direction = state.direction;
  const up = direction !== 'down';
  const down = direction !== 'up';
  // The profile's feature: remembered after `profileStartDays`, scored after `profileWarmupDays` more.
  const sinceFirstMs = timestampMs - state.firstTimestampMs;
  const stage = sinceFirstMs > PROFILE_SCORE_MS ? 2 : sinceFirstMs > PROFILE_START_MS ? 1 : 0;

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
    const sd = Math.sqrt(variance);
    const goodSideMove =
      direction !== 'both' &&
      (direction === 'up'
        ? (sd > 0 && deseasoned < -sd) || smooth - seasonal - mean < -0.5 * sd
        : (sd > 0 && deseasoned > sd) || smooth - seasonal - mean > 0.5 * sd);
    if (width > 0 && !goodSideMove) {
      spreadPart = SPREAD_WEIGHT * ((spread - spreadHigh) / width);
    }
  }
  let profilePart = 0;
  if (stage === 2) {
    const low = ranges[DESEASONED]!;
    const high = ranges[DESEASONED + 1]!;
    if (deseasoned > high || deseasoned < low) {
      const width = high - low;
      if (width > 0) {
        if (up && deseasoned > high) {
          profilePart = PROFILE_WEIGHT * ((deseasoned - high) / width);
        } else if (down && deseasoned < low) {
          profilePart = PROFILE_WEIGHT * ((low - deseasoned) / width);
        }
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
  // width of is visited now; an end not visited for `holdPoints` samples is pulled toward a centre by `rangeDecay`.
  // Written out for each feature: the value and the short-term average around the new mean, the variability around
  // its own range's middle (reset to the sample until the step size is known), the value minus the seasonal baseline
  // around 0 (from `profileStartDays` on; started at the first such sample).
  {
    let low = valueLow;
    let high = valueHigh;
    const near = TOUCH_SHARE * (high - low);
    if (value <= low + near) {
      ranges[VALUE + 2] = count;
      if (value < low) {
        low = value;
      }
    } else if (count - ranges[VALUE + 2]! > HOLD_POINTS) {
      low -= RANGE_DECAY * (low - newMean);
    }
    if (value >= high - near) {
      ranges[VALUE + 3] = count;
      if (value > high) {
        high = value;
      }
    } else if (count - ranges[VALUE + 3]! > HOLD_POINTS) {
      high -= RANGE_DECAY * (high - newMean);
    }
    ranges[VALUE] = low;
    ranges[VALUE + 1] = high;
  }
  {
    let low = smoothLow;
    let high = smoothHigh;
    const near = TOUCH_SHARE * (high - low);
    if (smooth <= low + near) {
      ranges[SMOOTH + 2] = count;
      if (smooth < low) {
        low = smooth;
      }
    } else if (count - ranges[SMOOTH + 2]! > HOLD_POINTS) {
      low -= RANGE_DECAY * (low - newMean);
    }
    if (smooth >= high - near) {
      ranges[SMOOTH + 3] = count;
      if (smooth > high) {
        high = smooth;
      }
    } else if (count - ranges[SMOOTH + 3]! > HOLD_POINTS) {
      high -= RANGE_DECAY * (high - newMean);
    }
    ranges[SMOOTH] = low;
    ranges[SMOOTH + 1] = high;
  }
  if (count > STEP_SAMPLE_POINTS) {
    const centre = 0.5 * (spreadLow + spreadHigh);
    let low = spreadLow;
    let high = spreadHigh;
    const near = TOUCH_SHARE * (high - low);
    if (spread <= low + near) {
      ranges[SPREAD + 2] = count;
      if (spread < low) {
        low = spread;
      }
    } else if (count - ranges[SPREAD + 2]! > HOLD_POINTS) {
      low -= RANGE_DECAY * (low - centre);
    }
    if (spread >= high - near) {
      ranges[SPREAD + 3] = count;
      if (spread > high) {
        high = spread;
      }
    } else if (count - ranges[SPREAD + 3]! > HOLD_POINTS) {
      high -= RANGE_DECAY * (high - centre);
    }
    ranges[SPREAD] = low;
    ranges[SPREAD + 1] = high;
  } else {
    resetRange(ranges, SPREAD, spread, count);
  }
  if (stage > 0) {
    let low = ranges[DESEASONED]!;
    let high = ranges[DESEASONED + 1]!;
    if (low > high) {
      low = deseasoned;
      high = deseasoned;
    }
    const near = TOUCH_SHARE * (high - low);
    if (deseasoned <= low + near) {
      ranges[DESEASONED + 2] = count;
      if (deseasoned < low) {
        low = deseasoned;
      }
    } else if (count - ranges[DESEASONED + 2]! > HOLD_POINTS) {
      low -= RANGE_DECAY * low;
    }
    if (deseasoned >= high - near) {
      ranges[DESEASONED + 3] = count;
      if (deseasoned > high) {
        high = deseasoned;
      }
    } else if (count - ranges[DESEASONED + 3]! > HOLD_POINTS) {
      high -= RANGE_DECAY * high;
    }
    ranges[DESEASONED] = low;
    ranges[DESEASONED + 1] = high;
  }
  if (knot >= 0) {
    // The offset from the seasonal baseline given above (it has not changed since): the knot and today's mean learn it.
    const error = value - newMean - seasonal;
    profile[knot] = profile[knot]! + state.seasonRate * error;
    state.daySum += error;
  }
  const side = variance > 0 && deseasoned * deseasoned > PERSISTENCE_SIGMA2 * variance ? (deseasoned > 0 ? 1 : -1) : 0;
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
  state.explainedDeviation = deseasoned;
  state.explainedVariance = variance;
  state.explainedPersistence = persistence < 0 ? -persistence : persistence;
  state.explainedLevel = newMean + seasonal;
  state.explainedReason = reason;
  return score;
}
