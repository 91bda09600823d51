/**
 * The explanation of a scored sample: what an operator reads next to the score. Scoring leaves the numbers behind it
 * in the caller's `DetectorState` (nothing allocated per sample); the object is built only when it is read.
 */
import type { DetectorState } from './state.ts';

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
export class ScoredStep implements StepResult {
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

/** σ of the last sample: its deviation from the baseline level in baseline spreads (0 while the spread is 0). */
export function explainedSigma(state: DetectorState): number {
  const sd = Math.sqrt(state.explainedVariance);
  return sd > 0 ? state.explainedDeviation / sd : 0;
}

/**
 * The explanation of the sample scored last on `state` (by `scoreSample` or `step`): the same object that
 * `step(...).explanation` gives for it. Call it right after `scoreSample`, before the next sample of this series is
 * scored.
 */
export function explainLast(state: DetectorState): StepExplanation {
  const sigma = explainedSigma(state);
  return {
    sigma,
    direction: sigma >= 0 ? 'up' : 'down',
    persistence: state.explainedPersistence,
    baseline: { level: state.explainedLevel, spread: Math.sqrt(state.explainedVariance) },
    reason: state.explainedReason,
  };
}

/** The most telling feature beyond its range, in the order an operator reads them. */
export function reasonOf(valuePart: number, profilePart: number, smoothPart: number): string {
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
