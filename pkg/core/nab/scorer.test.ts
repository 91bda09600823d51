import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PROFILES,
  NO_DETECTION_THRESHOLD,
  probationRows,
  scaledSigmoid,
  scoreAtThreshold,
  scoreFile,
  sweepThreshold,
  windowsToRows,
  type RowWindow,
  type ScoredFile,
} from './scorer.ts';

const standard = DEFAULT_PROFILES.standard;

/** A file of `rows` rows (probation 150 rows for 1000) with detections (score 1) at the given rows. */
function fileWith(rows: number, windows: RowWindow[], detections: number[], name = 'f'): ScoredFile {
  const scores = new Float64Array(rows);
  for (const row of detections) {
    scores[row] = 1;
  }
  return { name, scores, windows };
}

describe('NAB scorer', () => {
  it('skips min(15 %, 750) rows as probation and uses the scaled sigmoid', () => {
    expect(probationRows(1000)).toBe(150);
    expect(probationRows(20_000)).toBe(750);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(3.01)).toBe(-1);
    expect(scaledSigmoid(-1)).toBeCloseTo(0.9866, 4);
  });

  it('maps window timestamps to inclusive row ranges', () => {
    const timestamps = [0, 10, 20, 30, 40, 50];
    expect(windowsToRows(timestamps, [[15, 40]])).toEqual([{ start: 2, end: 4 }]);
    expect(windowsToRows(timestamps, [[41, 45]])).toEqual([]);
  });

  it('scores the null detector 0 and a detector firing at the first row of every window about 100', () => {
    const windows = [
      { start: 300, end: 349 },
      { start: 600, end: 649 },
    ];
    const files = [fileWith(1000, windows, [], 'a'), fileWith(1000, [{ start: 500, end: 559 }], [], 'b')];
    expect(scoreAtThreshold(files, NO_DETECTION_THRESHOLD, standard).score).toBe(0);
    expect(sweepThreshold(files, standard)).toMatchObject({ score: 0, threshold: NO_DETECTION_THRESHOLD });

    const perfect = [fileWith(1000, windows, [300, 600], 'a'), fileWith(1000, [{ start: 500, end: 559 }], [500], 'b')];
    for (const profile of Object.values(DEFAULT_PROFILES)) {
      expect(sweepThreshold(perfect, profile).score).toBeCloseTo(100, 6);
    }
  });

  it('rewards an earlier detection in a window more than a later one; only the earliest counts', () => {
    const windows = [{ start: 400, end: 499 }];
    const early = scoreFile(fileWith(1000, windows, [410]), 1, standard).raw;
    const late = scoreFile(fileWith(1000, windows, [480]), 1, standard).raw;
    const both = scoreFile(fileWith(1000, windows, [410, 480]), 1, standard).raw;
    expect(early).toBeGreaterThan(late);
    expect(late).toBeGreaterThan(0);
    expect(both).toBe(early);
  });

  it('charges a missed window −fnWeight and a false positive before the first window −fpWeight', () => {
    const windows = [{ start: 600, end: 699 }];
    expect(scoreFile(fileWith(1000, windows, []), 1, standard).raw).toBe(-1);
    const lowFn = DEFAULT_PROFILES.reward_low_FN_rate;
    expect(scoreFile(fileWith(1000, windows, []), 1, lowFn).raw).toBe(-2);
    const before = scoreFile(fileWith(1000, windows, [300]), 1, standard);
    expect(before.raw).toBeCloseTo(-1 - standard.fpWeight, 12);
    expect(before.falsePositives).toBe(1);
    // A detection during probation is not scored at all.
    expect(scoreFile(fileWith(1000, windows, [100]), 1, standard).raw).toBe(-1);
  });

  it('charges a false positive right after a window less than one far from it', () => {
    const windows = [{ start: 300, end: 399 }];
    const base = scoreFile(fileWith(1000, windows, [300]), 1, standard).raw;
    const near = scoreFile(fileWith(1000, windows, [300, 405]), 1, standard).raw - base;
    const far = scoreFile(fileWith(1000, windows, [300, 900]), 1, standard).raw - base;
    expect(near).toBeLessThan(0);
    expect(near).toBeGreaterThan(far);
    expect(far).toBeCloseTo(-standard.fpWeight, 12);
  });

  it('sweeps one threshold over all files together', () => {
    // File a: the anomaly scores 0.9, a false alarm 0.6. File b: the anomaly scores 0.7, a false alarm 0.5.
    // Threshold 0.7 catches both windows and neither false alarm; 0.9 misses b, 0.5 adds two false positives.
    const windows = [{ start: 500, end: 599 }];
    const a = new Float64Array(1000);
    a[510] = 0.9;
    a[850] = 0.6;
    const b = new Float64Array(1000);
    b[520] = 0.7;
    b[300] = 0.5;
    const files = [
      { name: 'a', scores: a, windows },
      { name: 'b', scores: b, windows },
    ];
    const best = sweepThreshold(files, standard);
    expect(best.threshold).toBe(0.7);
    expect(best).toMatchObject({ truePositives: 2, falsePositives: 0, falseNegatives: 0 });
    for (const other of [0.9, 0.5, NO_DETECTION_THRESHOLD]) {
      expect(scoreAtThreshold(files, other, standard).raw).toBeLessThan(best.raw);
    }
  });

  it('treats equal scores as one candidate threshold', () => {
    // The window's detection and five far false positives share score 0.8, so they are flagged together; a lone
    // detection at 0.3 in a second window cannot be reached without passing 0.8 either.
    const windows = [{ start: 500, end: 599 }];
    const scores = new Float64Array(1000);
    scores[500] = 0.8;
    for (const row of [200, 250, 300, 350, 400]) {
      scores[row] = 0.8;
    }
    const files = [{ name: 'a', scores, windows }];
    // Catching the window with five −0.11 before it: 1 − 0.55 beats −1, so 0.8 is chosen with all six flagged.
    const best = sweepThreshold(files, standard);
    expect(best).toMatchObject({ threshold: 0.8, truePositives: 1, falsePositives: 5 });
    // Under a profile where the five cost more than the window is worth, flagging nothing wins.
    const harsh = { tpWeight: 1, fpWeight: 0.5, fnWeight: 1 };
    expect(sweepThreshold(files, harsh).threshold).toBe(NO_DETECTION_THRESHOLD);
  });
});
