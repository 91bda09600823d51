import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { IngestResult } from '../contract/index.ts';
import { mergeDrafts, signalHash, type MergedSignal, type SignalDraft } from '../core/signal.ts';
import { enterTenantLocked, type Database, type Queryable } from '../adapters/db/database.ts';
import { insertSignals, resolveFiringSignals, signalRow } from '../adapters/db/repositories/signals.ts';
import { AppError } from './errors.ts';
import type { IncidentCorrelation } from './incident-correlation.ts';
import type { ResolvedIngestToken } from './ingest-tokens.ts';
import type { Metrics } from './metrics.ts';

export interface Delivery {
  orgId: number;
  projectId: string;
  drafts: SignalDraft[];
}

interface Pending extends Delivery {
  /** Each draft's dedup key and its row as JSON, worked out on arrival: not while a commit waits for them. */
  hashes: string[];
  rows: string[];
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
  private readonly correlation: IncidentCorrelation;
  private readonly clock: () => Date;
  private readonly logger: Logger;
  private readonly config: IngestConfig;
  private queue: Pending[] = [];
  private flushing = false;

  constructor(
    deps: { db: Database; metrics: Metrics; correlation: IncidentCorrelation; clock: () => Date; logger: Logger },
    config: IngestConfig
  ) {
    this.db = deps.db;
    this.logger = deps.logger;
    this.metrics = deps.metrics;
    this.correlation = deps.correlation;
    this.clock = deps.clock;
    this.config = config;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Whether a delivery would be refused now; checked before the body is even read, so refusing costs little. */
  get saturated(): boolean {
    return this.queue.length >= this.config.maxQueuedDeliveries;
  }

  refuse(): AppError {
    this.metrics.ingestRejected.inc({ reason: 'overload' });
    return new AppError('unavailable', 'the sidecar is at capacity; retry shortly', { retryAfterSeconds: 1 });
  }

  submit(delivery: Delivery): Promise<IngestResult> {
    if (delivery.drafts.length === 0) {
      return Promise.resolve({ received: 0, created: 0, resolved: 0, duplicates: 0 });
    }
    if (this.saturated) {
      return Promise.reject(this.refuse());
    }
    let hashes: string[];
    let rows: string[];
    try {
      hashes = delivery.drafts.map((d) => signalHash(d.fingerprint, d.startsAt));
      rows = delivery.drafts.map((d, i) => signalRow(d, hashes[i]!));
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<IngestResult>((resolve, reject) => {
      this.queue.push({ ...delivery, hashes, rows, resolve, reject });
      if (!this.flushing) {
        void this.flush();
      }
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        // Let the event loop read the requests that arrived meanwhile, so they join this commit: the embedded
        // database runs on this thread, and without a turn of the loop each batch would hold one delivery.
        await new Promise((resolve) => setImmediate(resolve));
        const batch = this.take();
        const outcomes = await this.writeWithRetry(batch);
        for (const [index, pending] of batch.entries()) {
          const outcome = outcomes[index]!;
          if (outcome instanceof Error) {
            // The sender only hears "retry": the cause is for the operator (a delivery holds no token or secret).
            this.logger.error(
              { err: outcome, orgId: pending.orgId, projectId: pending.projectId, signals: pending.drafts.length },
              'signals could not be stored'
            );
            pending.reject(
              new AppError('unavailable', 'signals could not be stored; retry', {
                cause: outcome,
                retryAfterSeconds: 1,
              })
            );
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
    while (
      count < this.queue.length &&
      (count === 0 || signals + this.queue[count]!.drafts.length <= this.config.maxBatchSignals)
    ) {
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
    const results: IngestResult[] = batch.map((d) => ({
      received: d.drafts.length,
      created: 0,
      resolved: 0,
      duplicates: 0,
    }));
    const created: SignalDraft[] = [];
    const now = this.clock();
    // The usual batch is of one project: its transaction opens in that tenant with the project's lock, in the round
    // trip of BEGIN. A batch of several projects enters each in turn.
    const only = groups.size === 1 ? [...groups.values()][0]! : null;
    const work = async (tx: Queryable) => {
      for (const group of groups.values()) {
        const scope = { orgId: group.orgId, projectId: group.projectId };
        const drafts = group.members.flatMap((i) =>
          batch[i]!.drafts.map((draft, j) => ({ draft, delivery: i, row: batch[i]!.rows[j]! }))
        );
        const hashes = group.members.flatMap((i) => batch[i]!.hashes);
        const { merged } = mergeDrafts(
          drafts.map((d) => d.draft),
          hashes
        );
        const outcome = await this.store(tx, scope, merged, (m) => drafts[m.index]!.row, now, only !== null);
        // Credit each stored change to the first delivery that carried it; every other copy is a duplicate.
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
      }
    };
    await (only
      ? this.db.withTenant({ orgId: only.orgId, projectId: only.projectId }, work, { lock: ingestLock(only.projectId) })
      : this.db.withApp(work));
    // Counted after the commit, so a retried batch is not counted twice.
    for (const draft of created) {
      this.metrics.signalsIngested.inc({ source: metricSource(draft.source), type: draft.signalType });
    }
    this.metrics.duplicatesDropped.inc(results.reduce((n, r) => n + r.duplicates, 0));
    return results;
  }

  /**
   * Stores one project's merged signals under the project's advisory lock (replicas ingesting the same project
   * take turns, so the existence check below cannot race): new signals are correlated and inserted with their
   * incident; a `resolved` for a stored firing signal closes it; anything else is a duplicate and changes nothing.
   */
  private async store(
    tx: Queryable,
    scope: { orgId: number; projectId: string },
    merged: MergedSignal[],
    rowOf: (signal: MergedSignal) => string,
    now: Date,
    entered: boolean
  ) {
    // Issued together, so they travel together (one message to the embedded database): the tenant switch and the
    // project's lock first (unless the transaction was opened with them), then what is stored already and the
    // incidents the signals may join, in one statement.
    const [, { stored: existing, candidates }] = await Promise.all([
      entered ? undefined : enterTenantLocked(tx, scope, ingestLock(scope.projectId)),
      this.correlation.lookup(tx, scope, merged, now),
    ]);
    const fresh = merged.filter((m) => !existing.has(m.hash));
    const closing = merged.filter((m) => existing.get(m.hash) === 'firing' && m.draft.status === 'resolved');
    const outcome = new Map<string, Outcome>();
    // The writes, issued together too; the closing of signals last, as its incidents' settling depends on its rows.
    const assignment = this.correlation.assign(fresh, candidates, now);
    const [, , closed] = await Promise.all([
      this.correlation.write(tx, scope, assignment, now),
      fresh.length > 0 ? insertSignals(tx, scope, fresh.map(rowOf), fresh, assignment.incidents) : undefined,
      closing.length > 0 ? resolveFiringSignals(tx, scope, closing) : [],
    ]);
    for (const m of fresh) {
      outcome.set(m.hash, 'created');
    }
    if (closed.length > 0) {
      const perIncident = new Map<string, number>();
      for (const row of closed) {
        outcome.set(row.hash, 'resolved');
        if (row.incident_id) {
          perIncident.set(row.incident_id, (perIncident.get(row.incident_id) ?? 0) + 1);
        }
      }
      await this.correlation.settle(tx, scope, perIncident, now);
    }
    return outcome;
  }
}

/** The advisory lock under which a project's signals are stored (and correlated). */
const ingestLock = (projectId: string) => `ingest:${projectId}`;

/** Metric labels from a fixed set: a sender chooses `source`, and must not choose the metric's label values. */
const KNOWN_SOURCES = new Set(['alertmanager', 'grafana', 'prometheus', 'api']);
const metricSource = (source: string) => (KNOWN_SOURCES.has(source) ? source : 'other');

/**
 * Checks the signature of a delivery whose token has an HMAC secret, on whichever route it arrives: Grafana's scheme,
 * which any sender that can compute an HMAC can follow. Returns what is wrong, naming the header, or null.
 */
export function deliverySignatureProblem(
  hmac: NonNullable<ResolvedIngestToken['hmac']>,
  delivery: { body: string; header: (name: string) => string | undefined; nowMs: number }
): string | null {
  const problem = checkGrafanaSignature({
    secret: hmac.secret,
    body: delivery.body,
    signature: delivery.header(hmac.header.toLowerCase()),
    timestamp: hmac.timestampHeader ? delivery.header(hmac.timestampHeader.toLowerCase()) : undefined,
    timestampRequired: hmac.timestampHeader !== null,
    toleranceSeconds: hmac.toleranceSeconds,
    nowMs: delivery.nowMs,
  });
  return problem && `${hmac.header}: ${problem} (this ingest token has an HMAC secret: sign every delivery)`;
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
