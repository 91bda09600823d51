import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IngestResult } from '../contract/index.ts';
import { mergeDrafts, type MergedSignal, type SignalDraft } from '../core/signal.ts';
import { setTenant, type Database, type Queryable } from '../adapters/db/database.ts';
import { AppError } from './errors.ts';
import type { Metrics } from './metrics.ts';

export const SIGNALS_CHANNEL = 'sre_copilot_signals';

export interface Delivery {
  orgId: number;
  projectId: string;
  drafts: SignalDraft[];
}

interface Pending extends Delivery {
  resolve: (result: IngestResult) => void;
  reject: (error: unknown) => void;
}

export interface IngestConfig {
  /** Deliveries waiting beyond this answer 503 at once (back-pressure for the senders' retries). */
  maxQueuedDeliveries: number;
  /** Most signals written by one statement and commit. */
  maxBatchSignals: number;
}

type Outcome = 'created' | 'resolved';

/**
 * Group commit for ingestion. Deliveries that arrive while a commit is in flight wait for the next one, which
 * writes all of them with one INSERT … ON CONFLICT per project and one commit; each delivery is answered after
 * that commit. Under light load a delivery is written alone at once; under heavy load many share a commit.
 * Deduplication is the table's unique key, so it holds across replicas and concurrent deliveries.
 */
export class IngestService {
  private readonly db: Database;
  private readonly metrics: Metrics;
  private readonly config: IngestConfig;
  private queue: Pending[] = [];
  private flushing = false;

  constructor(deps: { db: Database; metrics: Metrics }, config: IngestConfig) {
    this.db = deps.db;
    this.metrics = deps.metrics;
    this.config = config;
  }

  get queued(): number {
    return this.queue.length;
  }

  submit(delivery: Delivery): Promise<IngestResult> {
    if (delivery.drafts.length === 0) {
      return Promise.resolve({ received: 0, created: 0, resolved: 0, duplicates: 0 });
    }
    if (this.queue.length >= this.config.maxQueuedDeliveries) {
      this.metrics.ingestRejected.inc({ reason: 'overload' });
      return Promise.reject(
        new AppError('unavailable', 'the sidecar is at capacity; retry shortly', { headers: { 'retry-after': '1' } })
      );
    }
    return new Promise<IngestResult>((resolve, reject) => {
      this.queue.push({ ...delivery, resolve, reject });
      if (!this.flushing) {
        void this.flush();
      }
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.take();
        const outcomes = await this.writeWithRetry(batch);
        for (const [index, pending] of batch.entries()) {
          const outcome = outcomes[index]!;
          if (outcome instanceof Error) {
            pending.reject(new AppError('unavailable', 'signals could not be stored; retry', { cause: outcome, headers: { 'retry-after': '1' } }));
          } else {
            pending.resolve(outcome);
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private take(): Pending[] {
    let signals = 0;
    let count = 0;
    while (count < this.queue.length && (count === 0 || signals + this.queue[count]!.drafts.length <= this.config.maxBatchSignals)) {
      signals += this.queue[count]!.drafts.length;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  /**
   * When a commit fails, each delivery is tried once more on its own: a transient error then fails nothing that
   * can be stored (Grafana does not retry a failed delivery), and a delivery the database refuses fails alone
   * instead of taking the batch with it.
   */
  private async writeWithRetry(batch: Pending[]): Promise<Array<IngestResult | Error>> {
    try {
      return await this.write(batch);
    } catch {
      const results: Array<IngestResult | Error> = [];
      for (const delivery of batch) {
        try {
          results.push((await this.write([delivery]))[0]!);
        } catch (single) {
          results.push(single instanceof Error ? single : new Error(String(single)));
        }
      }
      return results;
    }
  }

  private async write(batch: Pending[]): Promise<IngestResult[]> {
    // One group per project: the rows of one statement share the tenant context.
    const groups = new Map<string, { orgId: number; projectId: string; members: number[] }>();
    batch.forEach((d, index) => {
      const key = `${d.orgId}:${d.projectId}`;
      const group = groups.get(key) ?? { orgId: d.orgId, projectId: d.projectId, members: [] };
      group.members.push(index);
      groups.set(key, group);
    });
    const results: IngestResult[] = batch.map((d) => ({ received: d.drafts.length, created: 0, resolved: 0, duplicates: 0 }));
    const created: SignalDraft[] = [];
    await this.db.withApp(async (tx) => {
      for (const group of groups.values()) {
        await setTenant(tx, { orgId: group.orgId, projectId: group.projectId });
        const drafts = group.members.flatMap((i) => batch[i]!.drafts.map((draft) => ({ draft, delivery: i })));
        const { merged, hashes } = mergeDrafts(drafts.map((d) => d.draft));
        const outcome = await insertSignals(tx, group.orgId, group.projectId, merged);
        // Credit each stored row to the first delivery that carried it; every other copy is a duplicate.
        const credited = new Set<string>();
        drafts.forEach(({ draft, delivery }, i) => {
          const hash = hashes[i]!;
          const result = results[delivery]!;
          const stored = outcome.get(hash);
          if (stored && !credited.has(hash)) {
            credited.add(hash);
            result[stored] += 1;
            if (stored === 'created') {
              created.push(draft);
            }
          } else {
            result.duplicates += 1;
          }
        });
        await tx.query('SELECT pg_notify($1, $2)', [SIGNALS_CHANNEL, `${group.orgId}:${group.projectId}`]);
      }
    });
    // Counted after the commit, so a retried batch is not counted twice.
    for (const draft of created) {
      this.metrics.signalsIngested.inc({ source: draft.source, type: draft.signalType });
    }
    this.metrics.duplicatesDropped.inc(results.reduce((n, r) => n + r.duplicates, 0));
    return results;
  }
}

/**
 * Inserts the batch's signals in one statement. New keys are inserted; a `resolved` for a stored firing signal
 * closes it (and queues it for correlation again); anything else is a duplicate and changes nothing.
 */
async function insertSignals(
  tx: Queryable,
  orgId: number,
  projectId: string,
  rows: MergedSignal[]
): Promise<Map<string, Outcome>> {
  const payload = JSON.stringify(
    rows.map(({ hash, draft: d }) => ({
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
      correlation_state: d.signalType === 'deployment' ? 'done' : 'pending',
    }))
  );
  const result = await tx.query<{ hash: string; inserted: boolean }>(
    `INSERT INTO signals (org_id, project_id, hash, signal_type, source, fingerprint, status, severity, title, description,
                          service, group_key, labels, normalized_data, raw_data, generator_url, "values", warnings,
                          starts_at, ends_at, correlation_state)
     SELECT $1, $2, r.hash, r.signal_type, r.source, r.fingerprint, r.status, r.severity, r.title, r.description,
            r.service, r.group_key, r.labels, r.normalized_data, r.raw_data, r.generator_url, r."values",
            coalesce(r.warnings, '{}'), r.starts_at, r.ends_at, r.correlation_state
       FROM jsonb_to_recordset($3::jsonb) AS r(hash text, signal_type text, source text, fingerprint text, status text,
            severity text, title text, description text, service text, group_key text, labels jsonb,
            normalized_data jsonb, raw_data jsonb, generator_url text, "values" jsonb, warnings text[],
            starts_at timestamptz, ends_at timestamptz, correlation_state text)
     ON CONFLICT (project_id, hash) DO UPDATE
        SET status = 'resolved', ends_at = EXCLUDED.ends_at, updated_at = now(), correlation_state = 'pending'
      WHERE signals.status = 'firing' AND EXCLUDED.status = 'resolved'
     RETURNING hash, (xmax = 0) AS inserted`,
    [orgId, projectId, payload]
  );
  return new Map(result.rows.map((r) => [r.hash, r.inserted ? 'created' : 'resolved'] as const));
}

/**
 * Checks Grafana's webhook signature: hex HMAC-SHA256 over `[timestamp ":"] body`; with a timestamp header the
 * timestamp must be within the tolerance. Returns an error message, or null when the signature holds.
 */
export function checkGrafanaSignature(options: {
  secret: string;
  body: string;
  signature: string | undefined;
  timestamp: string | undefined;
  timestampRequired: boolean;
  toleranceSeconds: number;
  nowMs: number;
}): string | null {
  if (!options.signature) {
    return 'missing signature header';
  }
  let signed = options.body;
  if (options.timestampRequired) {
    if (!options.timestamp || !/^\d{1,12}$/.test(options.timestamp)) {
      return 'missing or malformed timestamp header';
    }
    const skew = Math.abs(options.nowMs / 1000 - Number(options.timestamp));
    if (skew > options.toleranceSeconds) {
      return `timestamp is ${Math.round(skew)} s away from now (tolerance ${options.toleranceSeconds} s)`;
    }
    signed = `${options.timestamp}:${options.body}`;
  }
  const expected = createHmac('sha256', options.secret).update(signed, 'utf8').digest();
  const given = /^[0-9a-fA-F]{64}$/.test(options.signature) ? Buffer.from(options.signature, 'hex') : null;
  return given && timingSafeEqual(given, expected) ? null : 'signature does not match';
}
