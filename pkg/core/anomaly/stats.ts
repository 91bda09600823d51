/** Small online statistics used by the detector. Each works on plain numbers so the state stays plain JSON. */

/** Learning rate that averages the first samples exactly (1/n), then becomes an EWMA with rate `floor`. */
export function averagingRate(count: number, floor: number): number {
  return Math.max(floor, 1 / Math.max(1, count));
}

export interface MeanVariance {
  mean: number;
  variance: number;
}

/** Exponentially weighted mean and variance (West's update); `rate` in (0, 1]. */
export function updateMeanVariance(stats: MeanVariance, x: number, rate: number): void {
  const delta = x - stats.mean;
  stats.mean += rate * delta;
  stats.variance = (1 - rate) * (stats.variance + rate * delta * delta);
}

/**
 * Tracks a high quantile of a non-negative stream multiplicatively (scale-free, O(1)): each sample above the estimate
 * raises it by a factor, each sample below lowers it by a smaller one, so that in equilibrium a share
 * `1 − quantile` lies above. The two factors are computed once by `quantileFactors`.
 */
export interface QuantileFactors {
  up: number;
  down: number;
}

export function quantileFactors(quantile: number, rate: number): QuantileFactors {
  return { up: Math.exp(rate), down: Math.exp((-rate * (1 - quantile)) / quantile) };
}

export function updateQuantile(estimate: number, x: number, factors: QuantileFactors): number {
  return estimate * (x > estimate ? factors.up : factors.down);
}
