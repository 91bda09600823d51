import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectList } from '../contract/index.ts';
import { TEST_DIALECTS } from '../testing/test-database.ts';
import { createTestSidecar, type TestSidecar } from '../testing/test-sidecar.ts';
import { admin, alice, bob } from '../testing/test-users.ts';
import type { PollJob } from '../services/poller.ts';
import { POLL_QUEUE, pollJobId, startPollJobs, type PollJobDeps } from './poll.ts';
import { startJobQueue } from './queue.ts';
import { Scheduler } from './scheduler.ts';

/** The poller's base interval here: every tick's budget (until the next one) is far longer than a test. */
const BASE_INTERVAL_MS = 60_000;

/**
 * A Prometheus stand-in that answers every instant query with an empty vector; while `hold()` is on, it answers
 * only on `release()`, so that a poll is in flight for as long as the test wants.
 */
async function startPrometheusStandIn() {
  let held: Array<() => void> | null = null;
  let onRequest: (() => void) | null = null;
  const answer = (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
  };
  const server: Server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on('end', () => {
      onRequest?.();
      if (held) {
        held.push(() => answer(res));
      } else {
        answer(res);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    /** Holds the answers from now on; resolves when the next query arrives. */
    hold(): Promise<void> {
      held = [];
      return new Promise<void>((resolve) => (onRequest = resolve));
    },
    release(): void {
      const answers = held ?? [];
      held = null;
      onRequest = null;
      answers.forEach((send) => send());
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function deferred<T = void>() {
  return Promise.withResolvers<T>();
}

it('a poll job id depends on project and tick only', () => {
  expect(pollJobId('p1', 1000)).toBe(pollJobId('p1', 1000));
  expect(pollJobId('p1', 1000)).not.toBe(pollJobId('p1', 2000));
  expect(pollJobId('p1', 1000)).not.toBe(pollJobId('p2', 1000));
  expect(pollJobId('p1', 1000)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
});

/**
 * The poll job on real pg-boss, with the real poller against a Prometheus stand-in: what stopping does to the
 * work in flight, and two job queues (as two replicas have) on one database.
 */
describe.each(TEST_DIALECTS)('the poll job on %s', (dialect) => {
  let prometheus: Awaited<ReturnType<typeof startPrometheusStandIn>>;
  let t: TestSidecar;
  let projects: string[];

  const jobs = async () =>
    (
      await t.sidecar.db.statement<{ id: string; state: string; data: PollJob }>(
        'SELECT id, state, data FROM pgboss.job WHERE name = $1 ORDER BY created_on',
        [POLL_QUEUE]
      )
    ).rows;
  const owner = <T>(sql: string, params: unknown[]) =>
    t.inspect.withOwner(async (tx) => (await tx.query<T>(sql, params)).rows);

  beforeAll(async () => {
    prometheus = await startPrometheusStandIn();
    t = await createTestSidecar(dialect, {
      PROMETHEUS_POLL_INTERVAL: String(BASE_INTERVAL_MS / 1000),
      PROMETHEUS_ALLOWED_HOSTS: new URL(prometheus.url).host,
      PROMETHEUS_HISTORY_HOURS: '0',
    });
    projects = [];
    for (const user of [alice, bob]) {
      const projectId = (await t.call(user, '/api/v1/projects')).json<ProjectList>().items[0]!.id;
      const body = { type: 'prometheus', name: 'prom', config: { mode: 'direct', url: prometheus.url } };
      expect((await t.call(admin, '/api/v1/integrations', { method: 'POST', projectId, body })).statusCode).toBe(201);
      const templates = {
        templates: [{ name: 'rate', query: 'sum(rate(http_requests_total[1m]))', tier: 'critical' }],
      };
      expect(
        (await t.call(admin, '/api/v1/query-templates', { method: 'PUT', projectId, body: templates })).statusCode
      ).toBe(200);
      projects.push(projectId);
    }
  }, 90_000);

  afterAll(async () => {
    await t?.close();
    await prometheus?.close();
  });

  const deps = (poller: PollJobDeps['poller'] = t.sidecar.poller): PollJobDeps => ({
    db: t.sidecar.db,
    poller,
    metrics: t.sidecar.metrics,
    logger: t.sidecar.logger,
  });

  it('stops the scheduler after the tick in flight, then pg-boss after the jobs in flight, leaving nothing half-done', async () => {
    const boss = await startJobQueue(t.sidecar.db, t.sidecar.logger);
    let scheduler: Scheduler | undefined;
    try {
      const enqueue = await startPollJobs(boss, deps(), { baseIntervalMs: BASE_INTERVAL_MS, concurrency: 2 });
      const ticked = deferred<number>();
      const gate = deferred();
      scheduler = new Scheduler({
        name: 'poll',
        intervalMs: 50,
        logger: t.sidecar.logger,
        tick: async (tickMs) => {
          ticked.resolve(tickMs);
          await gate.promise;
          return enqueue(tickMs);
        },
      });
      const queried = prometheus.hold();
      scheduler.start();
      const tickMs = await ticked.promise;

      // The tick is in flight: stop() waits for it, and the tick's jobs are all sent.
      let schedulerStopped = false;
      const stoppingScheduler = scheduler.stop().then(() => (schedulerStopped = true));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(scheduler.state).toBe('stopping');
      expect(schedulerStopped).toBe(false);
      gate.resolve();
      await stoppingScheduler;
      expect(scheduler.state).toBe('stopped');
      const sent = await jobs();
      expect(sent.map((j) => j.id).sort()).toEqual(projects.map((p) => pollJobId(p, tickMs)).sort());

      // A poll is in flight (its queries claimed, Prometheus not answering yet): pg-boss's graceful stop waits.
      await queried;
      let bossStopped = false;
      const stoppingBoss = boss.stop({ graceful: true, timeout: 20_000 }).then(() => (bossStopped = true));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(bossStopped).toBe(false);
      prometheus.release();
      await stoppingBoss;

      // Every job that started finished, with all its effects: its runs recorded and its integrations' health.
      const finished = await jobs();
      const completed = finished.filter((j) => j.state === 'completed').map((j) => j.data.projectId);
      expect(completed.length).toBeGreaterThan(0);
      expect(finished.filter((j) => j.state === 'active')).toEqual([]);
      for (const projectId of projects) {
        const runs = await owner<{ series: number | null; error: string | null }>(
          'SELECT series, error FROM poll_runs WHERE project_id = $1 AND tick = $2',
          [projectId, new Date(tickMs)]
        );
        const health = await owner<{ failures: number; last_success_at: Date | null }>(
          'SELECT failures, last_success_at FROM poller_health WHERE project_id = $1',
          [projectId]
        );
        if (completed.includes(projectId)) {
          expect(runs).toEqual([{ series: 0, error: null }]);
          expect(health).toMatchObject([{ failures: 0 }]);
          expect(health[0]!.last_success_at).not.toBeNull();
        } else {
          // Never started: nothing of it is there, and the next tick polls afresh.
          expect(runs).toEqual([]);
          expect(health).toEqual([]);
        }
      }
    } finally {
      prometheus.release();
      await scheduler?.stop();
      await boss.stop({ graceful: false }).catch(() => undefined);
    }
  }, 60_000);

  it('with two job queues on one database (two replicas), enqueues and runs each tick once', async () => {
    const bosses: PgBoss[] = [];
    const schedulers: Scheduler[] = [];
    const ran: string[] = [];
    const sentPerTick = new Map<number, number>();
    // The real poller, counting the jobs it is given.
    const counting: PollJobDeps['poller'] = {
      pollProject: (job) => {
        ran.push(`${job.projectId}@${job.tickMs}`);
        return t.sidecar.poller.pollProject(job);
      },
    };
    try {
      for (const replica of ['a', 'b']) {
        const boss = await startJobQueue(t.sidecar.db, t.sidecar.logger);
        bosses.push(boss);
        const enqueue = await startPollJobs(boss, deps(counting), { baseIntervalMs: BASE_INTERVAL_MS, concurrency: 2 });
        schedulers.push(
          new Scheduler({
            name: `poll-${replica}`,
            intervalMs: 250,
            logger: t.sidecar.logger,
            tick: async (tickMs) => {
              const sent = await enqueue(tickMs);
              sentPerTick.set(tickMs, (sentPerTick.get(tickMs) ?? 0) + sent);
            },
          })
        );
      }
      const before = new Set((await jobs()).map((j) => j.id));
      schedulers.forEach((s) => s.start());
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await Promise.all(schedulers.map((s) => s.stop()));
      await Promise.all(bosses.map((b) => b.stop({ graceful: true, timeout: 20_000 })));

      const ticks = [...sentPerTick.keys()];
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      // Both replicas sent every tick's jobs; each job exists once, so the replicas' sends add up to one per project.
      expect([...sentPerTick.values()]).toEqual(ticks.map(() => projects.length));
      const created = (await jobs()).filter((j) => !before.has(j.id));
      expect(created).toHaveLength(ticks.length * projects.length);
      // No job ran twice (a job left queued by the previous test may have run here too), and every job of these
      // ticks that ran completed.
      expect(new Set(ran).size).toBe(ran.length);
      const ranHere = ran.filter((run) => sentPerTick.has(Number(run.split('@')[1])));
      const completed = created
        .filter((j) => j.state === 'completed')
        .map((j) => `${j.data.projectId}@${j.data.tickMs}`);
      expect(completed.sort()).toEqual(ranHere.sort());
    } finally {
      await Promise.all(schedulers.map((s) => s.stop()));
      await Promise.all(bosses.map((b) => b.stop({ graceful: false }).catch(() => undefined)));
    }
  }, 60_000);
});
