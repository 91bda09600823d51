/**
 * Daily profile learned online: one knot per data step across the day (24 to 288 knots), read with linear
 * interpolation between the two knots around the time of day, so that both hourly and 5-minute series and
 * irregular timestamps map onto it. Positions are plain numbers (no object per sample: this runs on every sample).
 *
 * Reading and learning the profile are written out in `advance` (detector.ts), which finds the two knots and the
 * interpolation weight once per sample and uses them for both: the knot at or before the position (the one at
 * `knots` wraps to 0) and the next one (wrapping at midnight), weighted by the position's fractional part; the
 * learning moves each knot toward the observed offset in proportion to its weight.
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

/**
 * A profile of `knots` zeros, as a packed array of doubles from the start (the knots soon hold fractions; an array
 * that starts as small integers changes its element kind at the first fraction, and every read and write of it in
 * the detector then has two kinds to handle).
 */
export function emptyProfile(knots: number): number[] {
  const profile = [0.5];
  for (let i = 1; i < knots; i++) {
    profile.push(0);
  }
  profile[0] = 0;
  return profile;
}

/** Position of a timestamp on a profile of `knots` knots, in knots since midnight UTC: in [0, knots). */
export function knotPosition(knots: number, timestampMs: number): number {
  // Division and floor instead of %: floating-point modulo is several times slower and this runs on every sample.
  const days = timestampMs / DAY_MS;
  return (days - Math.floor(days)) * knots;
}
