import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedIngestToken, Health, ProjectList } from '../contract/index.ts';
import { PostgresDatabase } from '../adapters/db/postgres.ts';
import { alertmanagerPayload } from '../testing/alert-payloads.ts';
import { TestGrafanaIdentity } from '../testing/grafana-identity.ts';
import { postgresBinDir, startPostgresCluster, type PostgresCluster } from '../testing/postgres-cluster.ts';
import { callSidecarProcess } from '../testing/process-api.ts';
import { startSidecarProcess, waitFor, type RunningProcess } from '../testing/processes.ts';
import { createTestSidecar, ORG_SECRETS, TEST_KEYS, type TestSidecar } from '../testing/test-sidecar.ts';
import { admin, alice } from '../testing/test-users.ts';

/** One answer of the load: what was asked, its status and its Retry-After header. */
interface Answer {
  what: string;
  status: number;
  retryAfter: string | null;
}

/** Every answer is a success, a 401 for a token that does not exist, or a 503 that says when to retry. */
function unexpected(answers: Answer[]): Answer[] {
  return answers.filter(
    (a) =>
      !(
        a.status === 200 ||
        (a.status === 401 && a.what === 'unknown token') ||
        (a.status === 503 && a.retryAfter !== null && Number(a.retryAfter) >= 1)
      )
  );
}

const binDir = postgresBinDir();
if (!binDir) {
  console.warn('database-down.test.ts: no initdb/pg_ctl found (set POSTGRES_BIN); the PostgreSQL case is skipped');
}

describe.runIf(binDir)('PostgreSQL stopped under load', () => {
  let cluster: PostgresCluster;
  let grafana: TestGrafanaIdentity;
  let sidecar: RunningProcess & { port: number };
  let projectId: string;
  /** Looked up (and cached) before the database goes down. */
  let knownToken: string;
  /** Valid, but first used while the database is down. */
  const freshTokens: string[] = [];

  beforeAll(async () => {
    cluster = await startPostgresCluster(binDir!);
    grafana = await TestGrafanaIdentity.start();
    sidecar = await startSidecarProcess({
      DATABASE_URL: cluster.url,
      GRAFANA_URL: grafana.url,
      ORG_SECRETS: `1=${ORG_SECRETS[1]}`,
      ENCRYPTION_KEYS: TEST_KEYS,
    });
    const api = (path: string, init?: Parameters<typeof callSidecarProcess>[4]) =>
      callSidecarProcess(grafana, sidecar.url, admin, path, init);
    projectId = ((await callSidecarProcess(grafana, sidecar.url, alice, '/api/v1/projects')).json as ProjectList)
      .items[0]!.id;
    for (let i = 0; i < 6; i++) {
      const created = await api('/api/v1/ingest-tokens', { method: 'POST', projectId, body: { name: `am-${i}` } });
      const token = (created.json as CreatedIngestToken).token;
      if (i === 0) {
        knownToken = token;
      } else {
        freshTokens.push(token);
      }
    }
  }, 120_000);

  afterAll(async () => {
    await sidecar?.stop();
    await grafana?.close();
    await cluster?.destroy();
  });

  const deliver = async (token: string, what: string, fingerprint: string): Promise<Answer> => {
    const res = await fetch(`${sidecar.url}/api/v1/webhooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(alertmanagerPayload([{ name: 'Load', service: 'checkout', fingerprint }])),
    });
    await res.arrayBuffer();
    return { what, status: res.status, retryAfter: res.headers.get('retry-after') };
  };
  const userCall = async (path: string, what: string): Promise<Answer> => {
    const res = await fetch(`${sidecar.url}${path}`, {
      headers: {
        'x-sre-copilot-secret': ORG_SECRETS[1],
        'x-grafana-id': await grafana.idToken(alice),
        'x-grafana-context': grafana.context(alice),
        'x-project-id': projectId,
      },
    });
    await res.arrayBuffer();
    return { what, status: res.status, retryAfter: res.headers.get('retry-after') };
  };
  const health = async () => (await (await fetch(`${sidecar.url}/health`)).json()) as Health;

  it('answers 200 or 503 with Retry-After on every route while it is down, and recovers by itself', async () => {
    // A LISTEN connection of the adapter, to see it re-established once the server is back.
    const listener = new PostgresDatabase(cluster.url, 1);
    const notified: string[] = [];
    await listener.listen('database_down_test', (payload) => notified.push(payload));

    const answers: Answer[] = [];
    const downAnswers: Answer[] = [];
    let phase: 'up' | 'down' = 'up';
    let stop = false;
    let sequence = 0;
    const worker = async (w: number) => {
      while (!stop) {
        const n = sequence++;
        const kind = n % 5;
        // Fresh tokens are used only once the database is down: their lookup must fail there.
        const answer =
          kind === 0
            ? await deliver(knownToken, 'known token', `w${w}-${n}`)
            : kind === 1 && phase === 'down'
              ? await deliver(freshTokens[n % freshTokens.length]!, 'fresh token', `w${w}-${n}`)
              : kind === 2
                ? await deliver(`sct_unknown-${n}`, 'unknown token', `w${w}-${n}`)
                : kind === 3
                  ? await userCall('/api/v1/incidents', 'incidents')
                  : await userCall('/api/v1/projects', 'projects');
        answers.push(answer);
        if (phase === 'down') {
          downAnswers.push(answer);
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    try {
      await waitFor(async () => answers.length >= 100, 30_000, 'load with the database up');
      await cluster.stop();
      phase = 'down';
      await waitFor(async () => downAnswers.length >= 300, 30_000, 'load with the database down');
      expect((await health()).status).toBe('degraded');
      expect((await health()).database.ok).toBe(false);
    } finally {
      stop = true;
      await Promise.all(workers);
    }
    expect(unexpected(answers)).toEqual([]);
    // While it was down, every kind of request was refused as retryable.
    for (const what of ['known token', 'fresh token', 'unknown token', 'incidents', 'projects']) {
      expect(
        downAnswers.some((a) => a.what === what && a.status === 503),
        what
      ).toBe(true);
    }

    await cluster.start();
    try {
      await waitFor(
        async () => (await deliver(freshTokens[0]!, 'fresh token', 'after-restart')).status === 200,
        30_000,
        'ingest to recover'
      );
      expect((await deliver(knownToken, 'known token', 'after-restart-2')).status).toBe(200);
      expect((await deliver('sct_unknown', 'unknown token', 'x')).status).toBe(401);
      expect((await userCall('/api/v1/incidents', 'incidents')).status).toBe(200);
      await waitFor(async () => (await health()).status === 'ok', 30_000, 'health to be ok again');
      // The adapter's LISTEN connection came back too: a notification reaches it again.
      await waitFor(
        async () => {
          await listener.statement(`NOTIFY database_down_test, 'back'`);
          await new Promise((resolve) => setTimeout(resolve, 100));
          return notified.includes('back');
        },
        30_000,
        'LISTEN to be re-established'
      );
    } finally {
      await listener.close();
    }
    expect(sidecar.process.exitCode).toBeNull();
  }, 120_000);
});

describe('the embedded database gone (its worker stopped)', () => {
  let t: TestSidecar;
  let projectId: string;
  let knownToken: string;
  let freshToken: string;

  beforeAll(async () => {
    t = await createTestSidecar('pglite');
    projectId = ((await t.call(alice, '/api/v1/projects')).json() as ProjectList).items[0]!.id;
    const token = async (name: string) =>
      (
        (
          await t.call(admin, '/api/v1/ingest-tokens', { method: 'POST', projectId, body: { name } })
        ).json() as CreatedIngestToken
      ).token;
    knownToken = await token('known');
    freshToken = await token('fresh');
  });
  afterAll(async () => {
    await t?.close();
  });

  const deliver = (token: string) =>
    t.sidecar.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/alertmanager',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      payload: alertmanagerPayload([{ name: 'Load', service: 'checkout', fingerprint: `fp-${Math.random()}` }]),
    });

  it('answers 503 with Retry-After on every route, at once, and /health says degraded', async () => {
    expect((await deliver(knownToken)).statusCode).toBe(200);
    // The adapter's worker thread, stopped as a crash of the embedded database would stop it.
    await (t.sidecar.db as unknown as { worker: Worker }).worker.terminate();
    const answers = await Promise.all([
      deliver(knownToken),
      deliver(freshToken),
      deliver('sct_unknown'),
      t.call(alice, '/api/v1/incidents', { projectId }),
      t.call(alice, '/api/v1/projects'),
      t.call(admin, '/api/v1/ingest-tokens', { method: 'POST', projectId, body: { name: 'late' } }),
    ]);
    expect(answers.map((a) => [a.statusCode, a.headers['retry-after']])).toEqual(
      answers.map(() => [503, expect.stringMatching(/^[1-9]\d*$/)])
    );
    const health = (await t.sidecar.app.inject({ url: '/health' })).json() as Health;
    expect(health).toMatchObject({ status: 'degraded', database: { dialect: 'pglite', ok: false } });
  });
});
