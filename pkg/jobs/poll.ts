/**
 * The poll job: one project's Prometheus poll at one tick. Every replica ticks at the same instants (multiples of
 * PROMETHEUS_POLL_INTERVAL since the epoch) and enqueues one job per project with Prometheus integrations, with an
 * id derived from (project, tick): the replicas' copies of a job are one row, and one replica runs it. The job's
 * body is the poller's (`Poller.pollProject`); here are its queue, its worker and the tick that enqueues it.
 */
import { hash } from 'node:crypto';
import type { PgBoss, Queue, WorkHandler, WorkOptions } from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../adapters/db/database.ts';
import { listProjectsToPoll } from '../adapters/db/repositories/poll.ts';
import { uuidOf } from '../core/signal.ts';
import type { Metrics } from '../services/metrics.ts';
import type { Poller, PollJob } from '../services/poller.ts';

export const POLL_QUEUE = 'prometheus-poll';

export interface PollJobConfig {
  baseIntervalMs: number;
  /** Jobs of different projects run at once on one replica. */
  concurrency: number;
}

export interface PollJobDeps {
  db: Database;
  poller: Pick<Poller, 'pollProject'>;
  metrics: Metrics;
  logger: Logger;
}

/** The enqueuing side of one tick: resolves to the number of jobs that were new (not sent by another replica). */
export type PollTick = (tickMs: number) => Promise<number>;

export function pollQueueOptions(config: Pick<PollJobConfig, 'baseIntervalMs'>): Omit<Queue, 'name'> {
  return {
    retryLimit: 1,
    retryDelay: 1,
    // A poll that has not finished within a few intervals is stale; the next tick polls afresh.
    expireInSeconds: Math.max(30, Math.ceil((config.baseIntervalMs * 3) / 1000)),
    retentionSeconds: 3600,
    deleteAfterSeconds: 86_400,
  };
}

export function pollWorkOptions(config: PollJobConfig): WorkOptions {
  return {
    batchSize: 1,
    localConcurrency: config.concurrency,
    pollingIntervalSeconds: Math.max(0.5, Math.min(2, config.baseIntervalMs / 4000)),
  };
}

/** A deterministic job id for one project's poll at one tick: every replica computes the same one. */
export function pollJobId(projectId: string, tickMs: number): string {
  return uuidOf(hash('sha256', `poll\u0000${projectId}\u0000${tickMs}`, 'hex'));
}

/** Runs one poll job and counts it in the metrics; a failed poll is logged and fails the job (retried once). */
export function pollHandler(deps: Pick<PollJobDeps, 'poller' | 'metrics' | 'logger'>): WorkHandler<PollJob> {
  return async ([job]) => {
    if (!job) {
      return;
    }
    const end = deps.metrics.pollDuration.startTimer();
    try {
      const report = await deps.poller.pollProject(job.data);
      deps.metrics.pollJobs.inc({ outcome: report.failures > 0 ? 'partial' : 'ok' });
      deps.metrics.pollQueries.inc({ result: 'ok' }, report.queries - report.failures);
      deps.metrics.pollQueries.inc({ result: 'error' }, report.failures);
      deps.metrics.pollQueries.inc({ result: 'skipped' }, report.skipped);
      deps.metrics.metricAnomalies.inc({ action: 'opened' }, report.opened);
      deps.metrics.metricAnomalies.inc({ action: 'resolved' }, report.resolved);
    } catch (error) {
      deps.metrics.pollJobs.inc({ outcome: 'error' });
      deps.logger.error({ err: error, projectId: job.data.projectId }, 'poll failed');
      throw error;
    } finally {
      end();
    }
  };
}

/**
 * Enqueues this tick's poll of every project with Prometheus integrations (once across replicas), then wakes the
 * worker `workerId` of this replica.
 */
export async function enqueuePolls(
  boss: PgBoss,
  db: Database,
  workerId: string | null,
  tickMs: number
): Promise<number> {
  const projects = await db.withApp((tx) => listProjectsToPoll(tx));
  let sent = 0;
  for (const project of projects) {
    const id = await boss.send(
      POLL_QUEUE,
      { orgId: project.orgId, projectId: project.projectId, tickMs } satisfies PollJob,
      { id: pollJobId(project.projectId, tickMs) }
    );
    sent += id ? 1 : 0;
  }
  // Every replica ticks at the same moment and fetches at once, so the tick's jobs spread over the replicas
  // instead of going to whichever polls the queue first.
  if (workerId && projects.length > 0) {
    boss.notifyWorker(workerId);
  }
  return sent;
}

/** Creates the poll queue on `boss` and starts this replica's worker on it; returns the tick that enqueues jobs. */
export async function startPollJobs(boss: PgBoss, deps: PollJobDeps, config: PollJobConfig): Promise<PollTick> {
  await boss.createQueue(POLL_QUEUE, pollQueueOptions(config));
  const workerId = await boss.work<PollJob>(POLL_QUEUE, pollWorkOptions(config), pollHandler(deps));
  return (tickMs) => enqueuePolls(boss, deps.db, workerId, tickMs);
}
