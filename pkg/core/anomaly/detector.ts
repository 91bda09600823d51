/**
 * Streaming anomaly detector for one metric series, built for the Prometheus poller: one small state per series
 * (plain JSON, stored between polls), one `step` per new sample, O(1) time and memory per point, no clock, no
 * randomness, no look-ahead. This is the public entry; importers use it rather than the parts:
 * - parameters.ts: the one parameter set, the default threshold and the options;
 * - state.ts: what is remembered per series (`DetectorState`);
 * - scoring.ts: `step` and `scoreSample`, how a sample is learned from and scored;
 * - explanation.ts: the explanation of a scored sample (`explainLast`);
 * - season.ts: the daily profile's resolution.
 */
export { ANOMALY_THRESHOLD, DETECTOR_PARAMETERS, type DetectorOptions, type Direction } from './parameters.ts';
export { createDetectorState, type DetectorState } from './state.ts';
export { scoreSample, step } from './scoring.ts';
export { explainLast, type StepExplanation, type StepResult } from './explanation.ts';
