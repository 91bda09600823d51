import type { Signal } from '../../../contract/index.ts';
import type { Severity } from '../../../core/severity.ts';
import type { MergedSignal, SignalDraft } from '../../../core/signal.ts';
import type { TenantScope } from '../../../core/tenant-scope.ts';
import type { Queryable } from '../database.ts';

interface SignalRow {
  id: number;
  signal_type: Signal['type'];
  source: string;
  fingerprint: string;
  status: 'firing' | 'resolved';
  severity: Severity;
  title: string;
  description: string;
  service: string | null;
  labels: Record<string, string>;
  generator_url: string | null;
  values: Record<string, number | null> | null;
  warnings: string[];
  starts_at: Date;
  ends_at: Date | null;
  received_at: Date;
}

/** The signals of an incident, in the order they started, at most 500. */
export async function listIncidentSignals(
  tx: Queryable,
  scope: TenantScope<string>,
  incidentId: string
): Promise<Signal[]> {
  const rows = (
    await tx.query<SignalRow>(
      `SELECT id::int8 AS id, signal_type, source, fingerprint, status, severity, title, description, service, labels,
                  generator_url, "values", warnings, starts_at, ends_at, received_at
             FROM signals WHERE incident_id = $1 AND project_id = $2 ORDER BY starts_at, id LIMIT 500`,
      [incidentId, scope.projectId]
    )
  ).rows;
  return rows.map(toSignal);
}

/**
 * A signal's row for `insertSignals`, as JSON without its incident (decided later, by correlation in the
 * transaction): serialized when the delivery arrives, while an earlier commit is still in flight.
 */
export function signalRow(d: SignalDraft, hash: string): string {
  return JSON.stringify({
    hash,
    signal_type: d.signalType,
    source: d.source,
    fingerprint: d.fingerprint,
    status: d.status,
    severity: d.severity,
    title: d.title,
    description: d.description,
    service: d.service,
    group_key: d.groupKey,
    labels: d.labels,
    normalized_data: d.normalizedData,
    raw_data: d.rawData,
    generator_url: d.generatorUrl,
    values: d.values,
    warnings: d.warnings,
    starts_at: d.startsAt,
    ends_at: d.endsAt,
  });
}

const INSERT_SIGNALS = `INSERT INTO signals (org_id, project_id, hash, signal_type, source, fingerprint, status, severity, title, description,
                          service, group_key, labels, normalized_data, raw_data, generator_url, "values", warnings,
                          starts_at, ends_at, incident_id)
     SELECT $1, $2, r.hash, r.signal_type, r.source, r.fingerprint, r.status, r.severity, r.title, r.description,
            r.service, r.group_key, r.labels, r.normalized_data, r.raw_data, r.generator_url, r."values",
            coalesce(r.warnings, '{}'), r.starts_at, r.ends_at, r.incident_id
       FROM jsonb_to_recordset($3::jsonb) AS r(hash uuid, signal_type text, source text, fingerprint text, status text,
            severity text, title text, description text, service text, group_key text, labels jsonb,
            normalized_data jsonb, raw_data jsonb, generator_url text, "values" jsonb, warnings text[],
            starts_at timestamptz, ends_at timestamptz, incident_id uuid)`;

/**
 * Inserts new signals in one prepared statement: `rows` are their `signalRow`s, in the order of `signals`, and
 * `incidents` gives the incident of each signal (by hash) that joins one.
 */
export async function insertSignals(
  tx: Queryable,
  scope: TenantScope<string>,
  rows: string[],
  signals: MergedSignal[],
  incidents: Map<string, string>
): Promise<void> {
  // Each row is a JSON object: its incident (a UUID, or none) goes in before the closing brace.
  const payload = `[${rows
    .map((row, i) => {
      const incident = incidents.get(signals[i]!.hash);
      return incident ? `${row.slice(0, -1)},"incident_id":"${incident}"}` : row;
    })
    .join(',')}]`;
  await tx.query(INSERT_SIGNALS, [scope.orgId, scope.projectId, payload], { prepare: true });
}

/** Resolves those of `signals` that are stored and firing; returns each one resolved, with its incident. */
export async function resolveFiringSignals(
  tx: Queryable,
  scope: TenantScope<string>,
  signals: MergedSignal[]
): Promise<Array<{ hash: string; incident_id: string | null }>> {
  return (
    await tx.query<{ hash: string; incident_id: string | null }>(
      `UPDATE signals s SET status = 'resolved', ends_at = r.ends_at, updated_at = now()
         FROM jsonb_to_recordset($2::jsonb) AS r(hash uuid, ends_at timestamptz)
        WHERE s.project_id = $1 AND s.hash = r.hash AND s.status = 'firing'
        RETURNING s.hash, s.incident_id`,
      [scope.projectId, JSON.stringify(signals.map((m) => ({ hash: m.hash, ends_at: m.draft.endsAt })))]
    )
  ).rows;
}

function toSignal(row: SignalRow): Signal {
  return {
    id: row.id,
    type: row.signal_type,
    source: row.source,
    fingerprint: row.fingerprint,
    status: row.status,
    severity: row.severity,
    title: row.title,
    description: row.description,
    service: row.service,
    labels: row.labels,
    generatorUrl: row.generator_url,
    values: row.values,
    warnings: row.warnings,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at?.toISOString() ?? null,
    receivedAt: row.received_at.toISOString(),
  };
}
