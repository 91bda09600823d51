import { hash } from 'node:crypto';
import { normalizeSeverity, severityRank, type Severity } from './severity.ts';

export const SIGNAL_TYPES = ['alert', 'metric', 'log', 'trace', 'deployment'] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];
/** A signal is firing until a `resolved` (or its end time) closes it; alerts from Alertmanager and Grafana say the same. */
export const SIGNAL_STATUSES = ['firing', 'resolved'] as const;
export type SignalStatus = (typeof SIGNAL_STATUSES)[number];

/** A signal as ingestion produces it, before it is stored. */
export interface SignalDraft {
  signalType: SignalType;
  source: string;
  fingerprint: string;
  status: SignalStatus;
  severity: Severity;
  title: string;
  description: string;
  service: string | null;
  groupKey: string | null;
  labels: Record<string, string>;
  normalizedData: Record<string, unknown>;
  rawData: Record<string, unknown>;
  generatorUrl: string | null;
  values: Record<string, number | null> | null;
  warnings: string[];
  /** ISO 8601 */
  startsAt: string;
  endsAt: string | null;
}

/**
 * Deduplication key of a signal: the same alert occurrence (fingerprint + start) always maps to one row. The first
 * 128 bits of a sha256, written as a UUID: a fixed-width key the unique index compares fast.
 */
export function signalHash(fingerprint: string, startsAt: string): string {
  return uuidOf(hash('sha256', `${fingerprint}\u0000${new Date(startsAt).toISOString()}`, 'hex'));
}

/** The first 128 bits of a hex digest, written as a UUID: the fixed-width keys of signals, series and jobs. */
export function uuidOf(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Labels in name order, as one string: the identity of a label set. */
export function canonicalLabels(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((name) => `${name}\u0000${labels[name]}`)
    .join('\u0001');
}

/** A stable fingerprint for sources that send none: sha256 of the sorted label set. */
export function fingerprintLabels(labels: Record<string, string>): string {
  return hash('sha256', canonicalLabels(labels), 'hex').slice(0, 16);
}

/**
 * The times a signal may carry. PostgreSQL stores years 1–9999 as written here, but a time near either end breaks
 * what is computed from it (correlation looks back from a signal's start and would reach year 0; an offset can push
 * 9999-12-31 into year 10000). No alert starts before the Unix epoch, so nothing real lies outside.
 */
export const EARLIEST_SIGNAL_TIME = '1970-01-01T00:00:00.000Z';
export const LATEST_SIGNAL_TIME = '9999-12-31T23:59:59.999Z';
const EARLIEST_MS = Date.parse(EARLIEST_SIGNAL_TIME);
const LATEST_MS = Date.parse(LATEST_SIGNAL_TIME);

/**
 * A sent time (any valid RFC 3339) as the ISO 8601 a signal stores: clamped into the signal time range, with a
 * warning naming the field in `warnings` when it had to be. Clamped, not dropped: the same alert sent again keeps
 * its deduplication key.
 */
export function signalTime(sent: string, field: string, warnings: string[]): string {
  const ms = Date.parse(sent);
  if (ms >= EARLIEST_MS && ms <= LATEST_MS) {
    return new Date(ms).toISOString();
  }
  const stored = ms < EARLIEST_MS ? EARLIEST_SIGNAL_TIME : LATEST_SIGNAL_TIME;
  warnings.push(
    `${field}: ${sent} is out of range (${EARLIEST_SIGNAL_TIME}–${LATEST_SIGNAL_TIME}); stored as ${stored}`
  );
  return stored;
}

/** The first label among `serviceLabels` that is set names the service. */
export function serviceOf(labels: Record<string, string>, serviceLabels: readonly string[]): string | null {
  for (const name of serviceLabels) {
    const value = labels[name]?.trim();
    if (value) {
      return value.slice(0, 200);
    }
  }
  return null;
}

export { normalizeSeverity };

export interface MergedSignal {
  draft: SignalDraft;
  hash: string;
  /** Position of `draft` among the drafts given to `mergeDrafts`. */
  index: number;
  /** How many drafts of the batch collapsed into this one (the rest are duplicates within the batch). */
  copies: number;
}

/**
 * Collapses drafts with the same dedup key: one row per key and statement (PostgreSQL cannot update a row twice
 * in one INSERT … ON CONFLICT). A resolved copy wins over a firing one, since it carries the end. `hashes` gives
 * each input draft's key, in input order (computed here unless the caller already has them).
 */
export function mergeDrafts(
  drafts: SignalDraft[],
  hashes: string[] = drafts.map((d) => signalHash(d.fingerprint, d.startsAt))
): { merged: MergedSignal[]; hashes: string[] } {
  const byHash = new Map<string, MergedSignal>();
  drafts.forEach((draft, index) => {
    const hash = hashes[index]!;
    const seen = byHash.get(hash);
    if (!seen) {
      byHash.set(hash, { draft, hash, index, copies: 1 });
      return;
    }
    seen.copies += 1;
    if (
      (draft.status === 'resolved' && seen.draft.status === 'firing') ||
      (draft.status === seen.draft.status && severityRank(draft.severity) < severityRank(seen.draft.severity))
    ) {
      seen.draft = draft;
      seen.index = index;
    }
  });
  return { merged: [...byHash.values()], hashes };
}
