/**
 * Daily profile learned online: one knot per data step across the day (24 to 288 knots), piecewise constant (a time
 * of day reads and learns the knot it falls in), so that both hourly and 5-minute series and irregular timestamps map
 * onto it. Reading and learning the profile are written out in `advance` (scoring.ts): the knot of a sample is the
 * previous sample's or the next one (a comparison with the knot's end), and is found by division only on a new day or
 * after a gap (`enterKnot`).
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
