/**
 * NAB benchmark: runs the production streaming detector (pkg/core/anomaly) over every file of a folder in NAB layout
 * (data/<category>/<file>.csv, labels/combined_windows.json, config/profiles.json), row by row with no look-ahead and
 * one parameter set, then scores it with pkg/core/nab/scorer.ts under the three NAB profiles. Next to it, in the same
 * run over the same data: a plain streaming z-score (Welford mean/variance) as a baseline, its NAB score, and the
 * cost of both detectors in ns per point.
 *
 *   node bench/nab.ts --data <dir> [--json] [--out <dir>] [--thresholds <file>] [--save-thresholds <file>]
 *
 * The official NAB threshold is tuned on the labels themselves, so the run also chooses the threshold on one half of
 * the files (alternate files in sorted order) and applies it to the other half, both ways.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ANOMALY_THRESHOLD, createDetectorState, scoreSample } from '../pkg/core/anomaly/detector.ts';
import {
  DEFAULT_PROFILES,
  PROFILE_NAMES,
  normalize,
  scoreAtThreshold,
  sweepThreshold,
  windowsToRows,
  type CostProfile,
  type ProfileName,
  type ScoredFile,
  type ThresholdResult,
} from '../pkg/core/nab/scorer.ts';

interface Options {
  data: string;
  json: boolean;
  out: string | undefined;
  thresholds: string | undefined;
  saveThresholds: string | undefined;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const data = value('--data');
  if (!data) {
    process.stderr.write(
      'usage: node bench/nab.ts --data <dir> [--json] [--out <dir>] [--thresholds <file>] [--save-thresholds <file>]\n'
    );
    process.exit(2);
  }
  return {
    data,
    json: argv.includes('--json'),
    out: value('--out'),
    thresholds: value('--thresholds'),
    saveThresholds: value('--save-thresholds'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Data

interface NabFile {
  /** "<category>/<file>.csv", the key of combined_windows.json. */
  name: string;
  timestampText: string[];
  timestampsMs: Float64Array;
  values: Float64Array;
  windows: ScoredFile['windows'];
}

/** NAB timestamps ("YYYY-MM-DD HH:MM:SS[.ffffff]") carry no zone; they are read as UTC so time of day is kept. */
function parseTimestamp(text: string): number {
  const ms = Date.parse(`${text.trim().replace(' ', 'T').slice(0, 19)}Z`);
  if (Number.isNaN(ms)) {
    throw new Error(`bad timestamp: ${text}`);
  }
  return ms;
}

function readCsv(path: string): { timestampText: string[]; timestampsMs: Float64Array; values: Float64Array } {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '');
  const rows = lines.slice(1);
  const timestampText: string[] = [];
  const timestampsMs = new Float64Array(rows.length);
  const values = new Float64Array(rows.length);
  rows.forEach((line, i) => {
    const comma = line.indexOf(',');
    timestampText.push(line.slice(0, comma));
    timestampsMs[i] = parseTimestamp(line.slice(0, comma));
    values[i] = line.slice(comma + 1).trim() === '' ? Number.NaN : Number(line.slice(comma + 1));
  });
  return { timestampText, timestampsMs, values };
}

function loadFiles(dataDir: string): NabFile[] {
  const labels = JSON.parse(readFileSync(join(dataDir, 'labels', 'combined_windows.json'), 'utf8')) as Record<
    string,
    Array<[string, string]>
  >;
  const files: NabFile[] = [];
  // NAB's data/ also holds a README.md, and a checkout may hold other stray files: only the category folders count,
  // and in them only the CSV files (stat, not the directory entry's type, so that symlinked folders and files count).
  for (const category of readdirSync(join(dataDir, 'data')).sort()) {
    if (!statSync(join(dataDir, 'data', category)).isDirectory()) {
      continue;
    }
    for (const file of readdirSync(join(dataDir, 'data', category)).sort()) {
      if (!file.endsWith('.csv') || !statSync(join(dataDir, 'data', category, file)).isFile()) {
        continue;
      }
      const name = `${category}/${file}`;
      const csv = readCsv(join(dataDir, 'data', category, file));
      const windowsMs = (labels[name] ?? []).map(
        ([start, end]) => [parseTimestamp(start), parseTimestamp(end)] as const
      );
      files.push({ name, ...csv, windows: windowsToRows(csv.timestampsMs, windowsMs) });
    }
  }
  return files;
}

function loadProfiles(dataDir: string): Record<ProfileName, CostProfile> {
  const profiles = { ...DEFAULT_PROFILES };
  try {
    const parsed = JSON.parse(readFileSync(join(dataDir, 'config', 'profiles.json'), 'utf8')) as Record<
      string,
      { CostMatrix?: CostProfile }
    >;
    for (const name of PROFILE_NAMES) {
      const matrix = parsed[name]?.CostMatrix;
      if (matrix) {
        profiles[name] = { tpWeight: matrix.tpWeight, fpWeight: matrix.fpWeight, fnWeight: matrix.fnWeight };
      }
    }
  } catch {
    // No profiles.json: NAB's documented defaults.
  }
  return profiles;
}

// ---------------------------------------------------------------------------------------------------------------
// Detectors

type RunDetector = (timestampsMs: Float64Array, values: Float64Array) => Float64Array;

/**
 * The production detector, fed row by row through the call the poller makes per sample (`scoreSample`: the score, no
 * result object; the poller builds an explanation with `explainLast(state)` only for the samples it assesses).
 */
const runCopilotDetector: RunDetector = (timestampsMs, values) => {
  const state = createDetectorState({ direction: 'both' });
  const scores = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    scores[i] = scoreSample(state, timestampsMs[i]!, values[i]!);
  }
  return scores;
};

/**
 * Baseline: a plain streaming z-score over all values so far (Welford mean and variance), |z| mapped monotonically
 * into [0, 1) so that large z-scores stay distinct thresholds.
 */
const runZScore: RunDetector = (_timestampsMs, values) => {
  const scores = new Float64Array(values.length);
  let count = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) {
      continue;
    }
    const sd = count > 1 ? Math.sqrt(m2 / (count - 1)) : 0;
    const z = sd > 0 ? Math.abs(x - mean) / sd : 0;
    scores[i] = z / (z + 1);
    count++;
    const delta = x - mean;
    mean += delta / count;
    m2 += delta * (x - mean);
  }
  return scores;
};

/**
 * Best of several timed passes over every file, in CPU ns per point (one core: this process, one thread). CPU time,
 * not wall time: on a shared machine a pass that is preempted would otherwise count the time other jobs ran.
 */
function nsPerPoint(files: NabFile[], run: RunDetector, repetitions = 15): number {
  const points = files.reduce((sum, file) => sum + file.values.length, 0);
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repetitions; r++) {
    const start = process.cpuUsage();
    for (const file of files) {
      run(file.timestampsMs, file.values);
    }
    const used = process.cpuUsage(start);
    best = Math.min(best, ((used.user + used.system) * 1000) / points);
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------------
// Scoring

type Thresholds = Record<ProfileName, number>;

interface ProfileFigures {
  inSample: ThresholdResult;
  /** Threshold chosen on files A (even positions in sorted order), applied to files B; and the other way round. */
  heldOut: { aToB: ThresholdResult; bToA: ThresholdResult; combined: number };
}

function scoredFiles(files: NabFile[], scores: Float64Array[]): ScoredFile[] {
  return files.map((file, i) => ({ name: file.name, scores: scores[i]!, windows: file.windows }));
}

function heldOut(files: ScoredFile[], profile: CostProfile): ProfileFigures['heldOut'] {
  const a = files.filter((_, i) => i % 2 === 0);
  const b = files.filter((_, i) => i % 2 === 1);
  const aToB = scoreAtThreshold(b, sweepThreshold(a, profile).threshold, profile);
  const bToA = scoreAtThreshold(a, sweepThreshold(b, profile).threshold, profile);
  const windows = files.reduce((sum, file) => sum + file.windows.length, 0);
  // Both held-out halves together: every file scored with a threshold that never saw its labels.
  const combined = normalize(aToB.raw + bToA.raw, windows, profile).score;
  return { aToB, bToA, combined };
}

function evaluate(
  files: ScoredFile[],
  profiles: Record<ProfileName, CostProfile>,
  given: Thresholds | undefined
): Record<ProfileName, ProfileFigures> {
  const figures = {} as Record<ProfileName, ProfileFigures>;
  for (const name of PROFILE_NAMES) {
    const profile = profiles[name];
    const inSample = given ? scoreAtThreshold(files, given[name], profile) : sweepThreshold(files, profile);
    figures[name] = { inSample, heldOut: heldOut(files, profile) };
  }
  return figures;
}

function writeResults(outDir: string, files: NabFile[], scores: Float64Array[]): void {
  files.forEach((file, f) => {
    const label = new Uint8Array(file.values.length);
    for (const window of file.windows) {
      label.fill(1, window.start, window.end + 1);
    }
    const lines = ['timestamp,value,anomaly_score,label'];
    for (let i = 0; i < file.values.length; i++) {
      lines.push(`${file.timestampText[i]},${file.values[i]},${scores[f]![i]},${label[i]}`);
    }
    const path = join(outDir, file.name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${lines.join('\n')}\n`);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Report

const round = (x: number, digits = 1) => Number(x.toFixed(digits));

function summary(figures: Record<ProfileName, ProfileFigures>) {
  return Object.fromEntries(
    PROFILE_NAMES.map((name) => {
      const { inSample, heldOut: held } = figures[name];
      return [
        name,
        {
          score: round(inSample.score, 2),
          threshold: inSample.threshold,
          truePositives: inSample.truePositives,
          falsePositives: inSample.falsePositives,
          falseNegatives: inSample.falseNegatives,
          heldOut: {
            aToB: { score: round(held.aToB.score, 2), threshold: held.aToB.threshold },
            bToA: { score: round(held.bToA.score, 2), threshold: held.bToA.threshold },
            combined: round(held.combined, 2),
          },
        },
      ];
    })
  );
}

function printTable(title: string, figures: Record<ProfileName, ProfileFigures>, thresholdsGiven: boolean): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`\n${title}`);
  out(
    `  profile              score   threshold${thresholdsGiven ? ' (given)' : ''}        TP  FP  FN   held-out A→B  B→A   both`
  );
  for (const name of PROFILE_NAMES) {
    const { inSample, heldOut: held } = figures[name];
    out(
      `  ${name.padEnd(19)} ${inSample.score.toFixed(2).padStart(6)}   ${String(inSample.threshold).padEnd(22)} ${String(inSample.truePositives).padStart(3)} ${String(inSample.falsePositives).padStart(3)} ${String(inSample.falseNegatives).padStart(3)}   ${held.aToB.score.toFixed(2).padStart(12)} ${held.bToA.score.toFixed(2).padStart(6)} ${held.combined.toFixed(2).padStart(6)}`
    );
  }
}

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  const files = loadFiles(options.data);
  const profiles = loadProfiles(options.data);
  const given = options.thresholds ? (JSON.parse(readFileSync(options.thresholds, 'utf8')) as Thresholds) : undefined;

  const detectorScores = files.map((file) => runCopilotDetector(file.timestampsMs, file.values));
  const zScores = files.map((file) => runZScore(file.timestampsMs, file.values));
  const detector = evaluate(scoredFiles(files, detectorScores), profiles, given);
  const zScore = evaluate(scoredFiles(files, zScores), profiles, undefined);

  const outDir = options.out ?? mkdtempSync(join(tmpdir(), 'nab-results-'));
  writeResults(outDir, files, detectorScores);

  const chosen = Object.fromEntries(
    PROFILE_NAMES.map((name) => [name, detector[name].inSample.threshold])
  ) as Thresholds;
  if (options.saveThresholds) {
    writeFileSync(options.saveThresholds, `${JSON.stringify(chosen, null, 2)}\n`);
  }

  const cost = {
    detectorNsPerPoint: round(nsPerPoint(files, runCopilotDetector)),
    zScoreNsPerPoint: round(nsPerPoint(files, runZScore)),
  };
  const points = files.reduce((sum, file) => sum + file.values.length, 0);
  const windows = files.reduce((sum, file) => sum + file.windows.length, 0);
  // The product's default threshold should be the one the standard profile chooses here: this shows whether it is.
  const atDefault = scoreAtThreshold(scoredFiles(files, detectorScores), ANOMALY_THRESHOLD, profiles.standard);

  if (options.json) {
    const result = {
      files: files.length,
      windows,
      points,
      thresholdsGiven: given !== undefined,
      detector: summary(detector),
      zScore: summary(zScore),
      atDefaultThreshold: { threshold: ANOMALY_THRESHOLD, standard: round(atDefault.score, 2) },
      cost,
      resultsDir: outDir,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  process.stdout.write(`NAB: ${files.length} files, ${windows} windows, ${points} points from ${options.data}\n`);
  printTable('SRE Copilot streaming detector (pkg/core/anomaly)', detector, given !== undefined);
  process.stdout.write(
    `  at ANOMALY_THRESHOLD = ${ANOMALY_THRESHOLD} (the product's default): standard ${atDefault.score.toFixed(2)}\n`
  );
  printTable('Baseline: streaming z-score (Welford)', zScore, false);
  process.stdout.write(`\nDetector cost (one core, best of 15 passes over all points):\n`);
  process.stdout.write(
    `  streaming detector  ${cost.detectorNsPerPoint} ns/point\n  z-score baseline    ${cost.zScoreNsPerPoint} ns/point\n`
  );
  process.stdout.write(`\nPer-file results (timestamp,value,anomaly_score,label): ${outDir}\n`);
  if (options.saveThresholds) {
    process.stdout.write(`Thresholds written to ${options.saveThresholds}\n`);
  }
}

main();
