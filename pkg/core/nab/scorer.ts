/**
 * Numenta Anomaly Benchmark (NAB v1.1) scoring, as described in the shared benchmark README (after NAB's
 * sweeper.py): probation, scaled-sigmoid window scoring, false positives weighted by their distance from the previous
 * window, one threshold swept over all files together, and normalization between the null and the perfect detector.
 * Pure functions over arrays: rows are indexes into a file's scores, windows are inclusive row ranges.
 */

export interface CostProfile {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

export type ProfileName = 'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate';

export const PROFILE_NAMES: readonly ProfileName[] = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'];

/** NAB's documented defaults (config/profiles.json of NAB v1.1); the benchmark reads the file and uses these if absent. */
export const DEFAULT_PROFILES: Readonly<Record<ProfileName, CostProfile>> = {
  standard: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
};

/** An anomaly window as an inclusive range of row indexes. */
export interface RowWindow {
  start: number;
  end: number;
}

/** One file as the scorer sees it: the detector's score per row and the labeled windows. */
export interface ScoredFile {
  name: string;
  scores: ArrayLike<number>;
  windows: readonly RowWindow[];
}

/** NAB's sweep starts above every possible score: at this threshold nothing is flagged. */
export const NO_DETECTION_THRESHOLD = 1.1;

/** Rows at the start of a file that are never scored (the detector's warm-up). */
export function probationRows(rowCount: number): number {
  return Math.min(Math.floor(0.15 * rowCount), 750);
}

/** NAB's scaled sigmoid: +1 far left of 0, 0 at 0, −1 far right; exactly −1 past 3. */
export function scaledSigmoid(x: number): number {
  if (x > 3) {
    return -1;
  }
  return 2 / (1 + Math.exp(5 * x)) - 1;
}

const MAX_TP = scaledSigmoid(-1);

/**
 * Turns labeled windows given as timestamps into row ranges: the first row at or after the start through the last
 * row at or before the end. A window that holds no row is dropped (it cannot be detected and NAB has none).
 */
export function windowsToRows(
  timestampsMs: ArrayLike<number>,
  windowsMs: ReadonlyArray<readonly [number, number]>
): RowWindow[] {
  const rows: RowWindow[] = [];
  for (const [startMs, endMs] of windowsMs) {
    let start = -1;
    let end = -1;
    for (let i = 0; i < timestampsMs.length; i++) {
      const t = timestampsMs[i]!;
      if (t >= startMs && t <= endMs) {
        if (start < 0) {
          start = i;
        }
        end = i;
      }
    }
    if (start >= 0) {
      rows.push({ start, end });
    }
  }
  return rows.sort((a, b) => a.start - b.start);
}

/**
 * What one row is worth if it is a detection, before the profile's weights: inside window k, the scaled position
 * (≈ 1 at the left edge, ≈ 0 at the right); outside, a negative value by distance from the previous window
 * (−1 before the first window). `window` is −1 outside windows; probation rows have `scored` false.
 */
export interface RowValues {
  window: Int32Array;
  value: Float64Array;
  probation: number;
}

export function rowValues(rowCount: number, windows: readonly RowWindow[]): RowValues {
  const window = new Int32Array(rowCount).fill(-1);
  const value = new Float64Array(rowCount);
  let next = 0;
  let previous: RowWindow | undefined;
  for (let i = 0; i < rowCount; i++) {
    const current = windows[next];
    if (current && i >= current.start && i <= current.end) {
      const width = current.end - current.start + 1;
      window[i] = next;
      value[i] = scaledSigmoid(-(current.end - i + 1) / width) / MAX_TP;
      if (i === current.end) {
        previous = current;
        next++;
      }
    } else if (previous === undefined) {
      value[i] = -1;
    } else {
      value[i] = falsePositiveValue(i - previous.end, previous.end - previous.start + 1);
    }
  }
  return { window, value, probation: probationRows(rowCount) };
}

function falsePositiveValue(rowsAfterWindow: number, previousWidth: number): number {
  if (previousWidth <= 1) {
    return -1;
  }
  return scaledSigmoid(rowsAfterWindow / (previousWidth - 1));
}

export interface FileScore {
  raw: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

/** Raw score of one file when every scored row with `score >= threshold` is a detection. */
export function scoreFile(file: ScoredFile, threshold: number, profile: CostProfile): FileScore {
  const rows = rowValues(file.scores.length, file.windows);
  const bestInWindow = new Array<number>(file.windows.length).fill(Number.NEGATIVE_INFINITY);
  let falsePositiveSum = 0;
  let falsePositives = 0;
  for (let i = rows.probation; i < file.scores.length; i++) {
    if (!(file.scores[i]! >= threshold)) {
      continue;
    }
    const k = rows.window[i]!;
    if (k >= 0) {
      bestInWindow[k] = Math.max(bestInWindow[k]!, rows.value[i]!);
    } else {
      falsePositiveSum += profile.fpWeight * rows.value[i]!;
      falsePositives++;
    }
  }
  let raw = falsePositiveSum;
  let truePositives = 0;
  for (const best of bestInWindow) {
    if (best === Number.NEGATIVE_INFINITY) {
      raw -= profile.fnWeight;
    } else {
      raw += profile.tpWeight * best;
      truePositives++;
    }
  }
  return { raw, truePositives, falsePositives, falseNegatives: file.windows.length - truePositives };
}

export interface Normalized {
  raw: number;
  nullScore: number;
  perfectScore: number;
  /** 100 · (raw − null) / (perfect − null): 0 for flagging nothing, 100 for one detection at each window's start. */
  score: number;
}

export function normalize(raw: number, windowCount: number, profile: CostProfile): Normalized {
  const nullScore = -profile.fnWeight * windowCount;
  const perfectScore = profile.tpWeight * windowCount;
  const range = perfectScore - nullScore;
  return { raw, nullScore, perfectScore, score: range === 0 ? 0 : (100 * (raw - nullScore)) / range };
}

export interface ThresholdResult extends Normalized {
  threshold: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

function windowCount(files: readonly ScoredFile[]): number {
  return files.reduce((sum, file) => sum + file.windows.length, 0);
}

/** Normalized score of all files together at a given threshold. */
export function scoreAtThreshold(
  files: readonly ScoredFile[],
  threshold: number,
  profile: CostProfile
): ThresholdResult {
  let raw = 0;
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  for (const file of files) {
    const result = scoreFile(file, threshold, profile);
    raw += result.raw;
    truePositives += result.truePositives;
    falsePositives += result.falsePositives;
    falseNegatives += result.falseNegatives;
  }
  return { ...normalize(raw, windowCount(files), profile), threshold, truePositives, falsePositives, falseNegatives };
}

/**
 * The threshold that maximizes the raw score summed over all files. Candidates are the distinct scores of scored
 * rows, highest first, starting above 1 (flag nothing); lowering the threshold to a candidate flags every row with
 * that score at once. On ties the higher threshold wins (it is met first).
 */
export function sweepThreshold(files: readonly ScoredFile[], profile: CostProfile): ThresholdResult {
  const scores: number[] = [];
  const windowIds: number[] = [];
  const values: number[] = [];
  let windowOffset = 0;
  for (const file of files) {
    const rows = rowValues(file.scores.length, file.windows);
    for (let i = rows.probation; i < file.scores.length; i++) {
      const score = file.scores[i]!;
      if (Number.isNaN(score)) {
        continue;
      }
      const k = rows.window[i]!;
      scores.push(score);
      windowIds.push(k >= 0 ? windowOffset + k : -1);
      values.push(rows.value[i]!);
    }
    windowOffset += file.windows.length;
  }
  const order = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]!);
  const bestInWindow = new Array<number>(windowOffset).fill(Number.NEGATIVE_INFINITY);

  let current = -profile.fnWeight * windowOffset;
  let best = { threshold: NO_DETECTION_THRESHOLD, raw: current };
  for (let j = 0; j < order.length;) {
    const threshold = scores[order[j]!]!;
    // Every row with this exact score becomes a detection together: equal scores are one candidate.
    for (; j < order.length && scores[order[j]!] === threshold; j++) {
      const row = order[j]!;
      const k = windowIds[row]!;
      if (k < 0) {
        current += profile.fpWeight * values[row]!;
      } else if (bestInWindow[k] === Number.NEGATIVE_INFINITY) {
        current += profile.fnWeight + profile.tpWeight * values[row]!;
        bestInWindow[k] = values[row]!;
      } else if (values[row]! > bestInWindow[k]!) {
        current += profile.tpWeight * (values[row]! - bestInWindow[k]!);
        bestInWindow[k] = values[row]!;
      }
    }
    if (current > best.raw) {
      best = { threshold, raw: current };
    }
  }
  return scoreAtThreshold(files, best.threshold, profile);
}
