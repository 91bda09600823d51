import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../testing/random.ts';
import {
  ANOMALY_THRESHOLD,
  createDetectorState,
  explainLast,
  scoreSample,
  step,
  type DetectorState,
  type Direction,
  type StepResult,
} from './detector.ts';

const FIVE_MIN = 300_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);

/** Deterministic noise in [−0.5, 0.5) so the tests need no randomness from outside. */
function noise(seed: number): () => number {
  const random = mulberry32(seed);
  return () => random() - 0.5;
}

function run(
  values: number[],
  options: { direction?: Direction; stepMs?: number; state?: DetectorState } = {}
): StepResult[] {
  const state = options.state ?? createDetectorState({ direction: options.direction ?? 'both' });
  return values.map((value, i) => step(state, START + i * (options.stepMs ?? FIVE_MIN), value));
}

const scores = (results: StepResult[]) => results.map((r) => r.score);
const maxOf = (xs: number[]) => xs.reduce((m, x) => Math.max(m, x), 0);
const argMax = (xs: number[]) => xs.reduce((best, x, i) => (x > xs[best]! ? i : best), 0);

/** A sine with a period of 2 hours plus a little noise. */
function sine(length: number, seed = 1): number[] {
  const rand = noise(seed);
  return Array.from({ length }, (_, i) => 10 + 3 * Math.sin((2 * Math.PI * i) / 24) + 0.2 * rand());
}

describe('streaming detector', () => {
  it('peaks at a spike in a clean sine and stays low elsewhere', () => {
    const values = sine(1500);
    values[1200] = 25;
    const s = scores(run(values));
    expect(argMax(s)).toBe(1200);
    expect(s[1200]).toBeGreaterThan(0.5);
    const elsewhere = s.filter((_, i) => i > 300 && (i < 1195 || i > 1230));
    expect(maxOf(elsewhere)).toBeLessThan(0.5 * s[1200]!);
  });

  it('flags a level shift at its onset, then adapts instead of firing on', () => {
    const rand = noise(2);
    const values = Array.from({ length: 3000 }, (_, i) => (i < 1500 ? 50 : 80) + rand());
    const results = run(values);
    const s = scores(results);
    const onset = maxOf(s.slice(1500, 1505));
    expect(onset).toBeGreaterThan(0.5);
    expect(results[1500]!.explanation.direction).toBe('up');
    // After the onset nothing scores close to it again: repeats are suppressed and the baseline moves.
    expect(maxOf(s.slice(1510))).toBeLessThan(0.3 * onset);
    expect(maxOf(s.slice(2500))).toBeLessThan(0.05);
  });

  it('learns a daily pattern and does not fire at the daily peak', () => {
    const rand = noise(3);
    // Hourly samples for 3 weeks: a sharp business-hours peak every day.
    const values = Array.from({ length: 24 * 21 }, (_, i) => {
      const hour = i % 24;
      return (hour >= 9 && hour < 17 ? 100 : 20) + 2 * rand();
    });
    const s = scores(run(values, { stepMs: HOUR }));
    const lastWeek = s.slice(24 * 14);
    expect(maxOf(lastWeek)).toBeLessThan(0.1);
    // The same series with one day's peak missing is flagged.
    const missing = values.map((v, i) => (i >= 24 * 18 + 9 && i < 24 * 18 + 17 ? 20 + (v - 100) : v));
    const withMissing = scores(run(missing, { stepMs: HOUR }));
    expect(maxOf(withMissing.slice(24 * 18 + 9, 24 * 18 + 17))).toBeGreaterThan(0.3);
  });

  it('ignores NaN and infinite values and survives gaps without firing', () => {
    const rand = noise(4);
    const state = createDetectorState();
    const results: StepResult[] = [];
    let t = START;
    for (let i = 0; i < 1200; i++) {
      // Irregular steps, and a 6-hour gap in the middle; the value follows the time of day.
      t += i === 800 ? 6 * HOUR : FIVE_MIN + (i % 3) * 60_000;
      const clean = 10 + 3 * Math.sin((2 * Math.PI * (t % DAY)) / DAY) + 0.2 * rand();
      const value = i % 97 === 0 ? Number.NaN : i === 500 ? Number.POSITIVE_INFINITY : clean;
      results.push(step(state, t, value));
    }
    expect(results.every((r) => Number.isFinite(r.score) && r.score >= 0 && r.score < 1)).toBe(true);
    expect(results[97]!.score).toBe(0);
    expect(results[97]!.explanation.reason).toBe('no value');
    expect(results[500]!.score).toBe(0);
    expect(maxOf(scores(results).slice(300))).toBeLessThan(0.3);
    // A sample not after the previous one is ignored as well.
    expect(step(state, t, 1e9).score).toBe(0);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  it('round-trips its state through JSON with identical results', () => {
    const values = sine(2000, 5);
    values[1500] = 30;
    values[1700] = -5;
    const straight = createDetectorState();
    const first = run(values.slice(0, 1000), { state: straight });
    const restored = JSON.parse(JSON.stringify(straight)) as DetectorState;
    expect(restored).toEqual(straight);
    const continued = values.slice(1000).map((v, i) => step(restored, START + (1000 + i) * FIVE_MIN, v));
    const reference = run(values);
    expect([...first, ...continued]).toEqual(reference);
    // Stored and restored at every single step as the poller does.
    let stored = JSON.stringify(createDetectorState());
    const polled = values.map((v, i) => {
      const state = JSON.parse(stored) as DetectorState;
      const result = step(state, START + i * FIVE_MIN, v);
      stored = JSON.stringify(state);
      return result;
    });
    expect(polled).toEqual(reference);
  });

  it("with direction 'up' ignores drops and still flags rises", () => {
    const rand = noise(6);
    const base = Array.from({ length: 1500 }, () => 50 + rand());
    const drop = base.map((v, i) => (i >= 1000 && i < 1010 ? v - 30 : v));
    const rise = base.map((v, i) => (i >= 1000 && i < 1010 ? v + 30 : v));
    expect(maxOf(scores(run(drop, { direction: 'up' })).slice(990, 1100))).toBeLessThan(0.05);
    expect(maxOf(scores(run(rise, { direction: 'up' })).slice(1000, 1010))).toBeGreaterThan(0.5);
    expect(maxOf(scores(run(drop, { direction: 'down' })).slice(1000, 1010))).toBeGreaterThan(0.5);
    expect(maxOf(scores(run(drop, { direction: 'both' })).slice(1000, 1010))).toBeGreaterThan(0.5);
  });

  it('explains a scored point', () => {
    const values = sine(1500, 7);
    values[1200] = 25;
    const result = run(values)[1200]!;
    expect(result.explanation.direction).toBe('up');
    expect(result.explanation.sigma).toBeGreaterThan(3);
    expect(result.explanation.baseline.spread).toBeGreaterThan(0);
    expect(result.explanation.reason).toMatch(/^value beyond its range/);
  });

  it('scores a spike size it has already seen lower, and a bigger one high again', () => {
    const rand = noise(8);
    const values = Array.from({ length: 4000 }, () => 10 + rand());
    for (const i of [1500, 2000, 2500]) {
      values[i] = 20;
    }
    values[3000] = 40;
    const s = scores(run(values));
    expect(s[1500]).toBeGreaterThan(0.5);
    // The remembered range shrinks back slowly, so a repeat days later scores, but well below the first onset.
    expect(Math.max(s[2000]!, s[2500]!)).toBeLessThan(0.6 * s[1500]!);
    expect(s[3000]).toBeGreaterThan(0.5);
    const spikes = new Set([1500, 2000, 2500, 3000]);
    expect(maxOf(s.filter((_, i) => i >= 300 && !spikes.has(i)))).toBeLessThan(0.3);
  });

  it('holds the range at a spike size that keeps coming back, so a regular spike is not an anomaly', () => {
    const rand = noise(9);
    // A spike to 20 every 300 samples (more often than the hold): after the first, none scores near it.
    const values = Array.from({ length: 6000 }, (_, i) => (i >= 1500 && i % 300 === 0 ? 20 : 10 + rand()));
    const s = scores(run(values));
    expect(s[1500]).toBeGreaterThan(0.5);
    const repeats = s.filter((_, i) => i > 1500 && i % 300 === 0);
    // The value's range holds; only the short-term average, whose peak varies with the noise, can edge past its own.
    expect(repeats.filter((x) => x < 0.05).length).toBeGreaterThanOrEqual(0.8 * repeats.length);
    expect(maxOf(repeats)).toBeLessThan(0.5 * s[1500]!);
  });

  it('gives results that serialize to the plain contract', () => {
    const values = sine(1500, 10);
    values[1200] = 25;
    const result = run(values)[1200]!;
    const plain = JSON.parse(JSON.stringify(result)) as StepResult;
    expect(plain).toEqual({ score: result.score, explanation: result.explanation });
    expect(Object.keys(plain.explanation).sort()).toEqual(['baseline', 'direction', 'persistence', 'reason', 'sigma']);
    expect(createDetectorState().version).toBe(5);
  });

  it('scores with scoreSample + explainLast exactly as with step (score, explanation and state)', () => {
    const rand = noise(11);
    const daily = Array.from({ length: 24 * 12 }, (_, i) => (i % 24 >= 9 && i % 24 < 17 ? 100 : 20) + 2 * rand());
    daily[24 * 10 + 3] = 400;
    const shifted = Array.from({ length: 2500 }, (_, i) => (i < 1800 ? 50 : 20) + rand());
    const spiky = sine(1500, 12).map((v, i) => (i % 97 === 0 ? Number.NaN : i === 1200 ? 25 : i === 1300 ? -20 : v));
    const series: Array<{ values: number[]; stepMs: number; direction: Direction }> = [
      { values: daily, stepMs: HOUR, direction: 'both' },
      { values: shifted, stepMs: FIVE_MIN, direction: 'down' },
      { values: spiky, stepMs: FIVE_MIN, direction: 'up' },
    ];
    for (const { values, stepMs, direction } of series) {
      const viaStep = createDetectorState({ direction });
      let viaScore = createDetectorState({ direction });
      values.forEach((value, i) => {
        // Irregular times, a repeated timestamp now and then, and the second state stored as JSON between samples.
        const t = START + i * stepMs + (i % 5) * 1000 - (i % 50 === 49 ? stepMs + 4000 : 0);
        viaScore = JSON.parse(JSON.stringify(viaScore)) as DetectorState;
        const expected = step(viaStep, t, value);
        const score = scoreSample(viaScore, t, value);
        expect(Object.is(score, expected.score)).toBe(true);
        expect(explainLast(viaScore)).toEqual(expected.explanation);
      });
      expect(viaScore).toEqual(viaStep);
      expect(scores(run(values, { direction, stepMs })).some((s) => s > 0.3)).toBe(true);
    }
  });

  it('keeps every score in [0, 1] whatever the series', () => {
    const value = fc.oneof(fc.double({ noNaN: true, min: -1e12, max: 1e12 }), fc.constantFrom(0, 1, -1, 1e-300));
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 150, maxLength: 400 }),
        fc.constantFrom<Direction>('up', 'down', 'both'),
        (values, direction) => {
          const results = run(values, { direction });
          return results.every((r) => r.score >= 0 && r.score <= 1 && Number.isFinite(r.explanation.sigma));
        }
      ),
      { numRuns: 50 }
    );
  });

  it('learns a weekly pattern: a normal weekend stays quiet, a weekday at the weekend level does not', () => {
    const rand = noise(13);
    // Hourly samples from a Monday for 6 weeks: weekdays around 100, weekends around 40, a little noise.
    const monday = Date.UTC(2024, 0, 1);
    const weekend = (i: number) => Math.floor(i / 24) % 7 >= 5;
    const weeks = 6;
    const values = Array.from({ length: 24 * 7 * weeks }, (_, i) => (weekend(i) ? 40 : 100) + 2 * rand());
    const runFrom = (series: number[]) => {
      const state = createDetectorState();
      return series.map((v, i) => scoreSample(state, monday + i * HOUR, v));
    };
    const s = runFrom(values);
    // After four weeks, the normal weekends (days 33-34 and 40-41) never score above the threshold.
    const lastWeekends = s.filter((_, i) => i >= 24 * 7 * 4 && weekend(i));
    expect(maxOf(lastWeekends)).toBeLessThan(ANOMALY_THRESHOLD);
    // The Wednesday of week 6 looks like a weekend: it scores higher than the same values on the weekend after it.
    const wednesday = 24 * (7 * 5 + 2);
    const saturday = 24 * (7 * 5 + 5);
    const odd = values.map((v, i) => (i >= wednesday && i < wednesday + 24 ? values[saturday + (i - wednesday)]! : v));
    const oddScores = runFrom(odd);
    const onWednesday = maxOf(oddScores.slice(wednesday, wednesday + 24));
    const onSaturday = maxOf(oddScores.slice(saturday, saturday + 24));
    expect(onWednesday).toBeGreaterThan(onSaturday);
  });
});
