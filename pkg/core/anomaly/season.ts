/**
 * Daily profile learned online: one knot per data step across the day (24 to 288 knots), read with linear
 * interpolation between the two knots around the time of day, so that both hourly and 5-minute series and
 * irregular timestamps map onto it.
 */

export const DAY_MS = 86_400_000;
const MIN_KNOTS = 24;
const MAX_KNOTS = 288;

/** How many knots a series with this typical step gets: about one per step, 24 (hourly) to 288 (5-minute). */
export function knotCount(typicalStepMs: number): number {
  if (!(typicalStepMs > 0)) {
    return MIN_KNOTS;
  }
  return Math.max(MIN_KNOTS, Math.min(MAX_KNOTS, Math.round(DAY_MS / typicalStepMs)));
}

export interface KnotPosition {
  /** Knot at or before the time of day, and the next one (wrapping at midnight). */
  left: number;
  right: number;
  /** Weight of the right knot in [0, 1). */
  weight: number;
}

export function knotPosition(knots: number, timestampMs: number): KnotPosition {
  // Division and floor instead of %: floating-point modulo is several times slower and this runs on every sample.
  const days = timestampMs / DAY_MS;
  const dayFraction = days - Math.floor(days);
  const position = dayFraction * knots;
  const left = Math.floor(position) % knots;
  return { left, right: (left + 1) % knots, weight: position - Math.floor(position) };
}

export function profileAt(profile: readonly number[], at: KnotPosition): number {
  if (profile.length === 0) {
    return 0;
  }
  return profile[at.left]! * (1 - at.weight) + profile[at.right]! * at.weight;
}

/** Moves the two knots around `at` toward the observed offset, each in proportion to its interpolation weight. */
export function learnProfile(profile: number[], at: KnotPosition, offset: number, rate: number): void {
  if (profile.length === 0) {
    return;
  }
  const error = offset - profileAt(profile, at);
  profile[at.left] = profile[at.left]! + rate * (1 - at.weight) * error;
  profile[at.right] = profile[at.right]! + rate * at.weight * error;
}
