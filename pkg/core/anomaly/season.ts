/**
 * Daily profile learned online: one knot per data step across the day (24 to 288 knots), read with linear
 * interpolation between the two knots around the time of day, so that both hourly and 5-minute series and
 * irregular timestamps map onto it. Positions are plain numbers (no object per sample: this runs on every sample).
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

/** A profile of `knots` zeros (a packed array of numbers). */
export function emptyProfile(knots: number): number[] {
  return Array.from({ length: knots }, () => 0);
}

/** Position of a timestamp on a profile of `knots` knots, in knots since midnight UTC: in [0, knots). */
export function knotPosition(knots: number, timestampMs: number): number {
  // Division and floor instead of %: floating-point modulo is several times slower and this runs on every sample.
  const days = timestampMs / DAY_MS;
  return (days - Math.floor(days)) * knots;
}

/** Knot at or before a position (the right neighbour is the next one, wrapping at midnight). */
function leftKnot(profile: readonly number[], position: number): number {
  const left = Math.floor(position);
  return left < profile.length ? left : 0;
}

export function profileAt(profile: readonly number[], position: number): number {
  const knots = profile.length;
  if (knots === 0) {
    return 0;
  }
  const left = leftKnot(profile, position);
  const right = left + 1 === knots ? 0 : left + 1;
  const weight = position - Math.floor(position);
  return profile[left]! * (1 - weight) + profile[right]! * weight;
}

/** Moves the two knots around `position` toward the observed offset, each in proportion to its interpolation weight. */
export function learnProfile(profile: number[], position: number, offset: number, rate: number): void {
  const knots = profile.length;
  if (knots === 0) {
    return;
  }
  const left = leftKnot(profile, position);
  const right = left + 1 === knots ? 0 : left + 1;
  const weight = position - Math.floor(position);
  const error = offset - (profile[left]! * (1 - weight) + profile[right]! * weight);
  profile[left] = profile[left]! + rate * (1 - weight) * error;
  profile[right] = profile[right]! + rate * weight * error;
}
