import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedIngestToken, IncidentPage, ProjectList } from '../contract/index.ts';
import { PgliteDatabase } from '../adapters/db/pglite.ts';
import { PostgresDatabase } from '../adapters/db/postgres.ts';
import { alertmanagerPayload } from '../testing/alert-payloads.ts';
import { TestGrafanaIdentity } from '../testing/grafana-identity.ts';
import { startSidecarProcess, startSidecarProcesses, waitFor } from '../testing/processes.ts';
import { createEmptyPostgresDatabase, TEST_DIALECTS } from '../testing/test-database.ts';
import { callSidecarProcess } from '../testing/process-api.ts';
import { ORG_SECRETS, TEST_KEYS } from '../testing/test-sidecar.ts';
import { admin, alice } from '../testing/test-users.ts';

const api = callSidecarProcess;

const deliver = (base: string, token: string, payload: unknown) =>
  fetch(`${base}/api/v1/webhooks/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(payload),
  });

async function setUp(grafana: TestGrafanaIdentity, base: string) {
  const projectId = ((await api(grafana, base, alice, '/api/v1/projects')).json as ProjectList).items[0]!.id;
  const token = (
    (await api(grafana, base, admin, '/api/v1/ingest-tokens', { method: 'POST', projectId, body: { name: 'am' } }))
      .json as CreatedIngestToken
  ).token;
  return { projectId, token };
}

describe.runIf(TEST_DIALECTS.includes('postgres'))('two sidecar processes on one PostgreSQL', () => {
  let grafana: TestGrafanaIdentity;
  let target: Awaited<ReturnType<typeof createEmptyPostgresDatabase>>;
  let replicas: Awaited<ReturnType<typeof startSidecarProcesses>> = [];

  beforeAll(async () => {
    grafana = await TestGrafanaIdentity.start();
    target = await createEmptyPostgresDatabase();
    const env = {
      DATABASE_URL: target.url,
      GRAFANA_URL: grafana.url,
      ORG_SECRETS: `1=${ORG_SECRETS[1]}`,
      ENCRYPTION_KEYS: TEST_KEYS,
    };
    // both start (and migrate) at once
    replicas = await startSidecarProcesses(2, env);
  }, 90_000);
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await target?.drop();
    await grafana?.close();
  });

  it('store 100 identical deliveries spread over both as one signal and one incident', async () => {
    const [a, b] = replicas;
    const { projectId, token } = await setUp(grafana, a!.url);
    const payload = alertmanagerPayload([{ name: 'HighErrorRate', service: 'checkout', fingerprint: 'fp-shared' }]);
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => deliver((i % 2 ? a : b)!.url, token, payload))
    );
    expect(responses.map((r) => r.status).every((s) => s === 200)).toBe(true);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{
      created: number;
      duplicates: number;
    }>;
    expect(bodies.reduce((n, x) => n + x.created, 0)).toBe(1);
    await waitFor(
      async () =>
        ((await api(grafana, b!.url, alice, '/api/v1/incidents', { projectId })).json as IncidentPage).items.length > 0,
      15_000,
      'correlation'
    );
    // give both correlators a few more sweeps: still exactly one incident with one signal
    await new Promise((resolve) => setTimeout(resolve, 800));
    const list = (await api(grafana, a!.url, alice, '/api/v1/incidents', { projectId })).json as IncidentPage;
    expect(list.items.map((i) => i.signalCount)).toEqual([1]);
    const db = new PostgresDatabase(target.adminUrl, 1);
    try {
      const signals = await db.withOwner((tx) => tx.query<{ n: number }>('SELECT count(*)::int AS n FROM signals'));
      expect(signals.rows[0]!.n).toBe(1);
    } finally {
      await db.close();
    }
  });
});

describe.each(TEST_DIALECTS)('kill -9 during a load run on %s', (dialect) => {
  it('loses no alert that was acknowledged with a 2xx', async () => {
    const grafana = await TestGrafanaIdentity.start();
    const dir = mkdtempSync(join(tmpdir(), 'sre-copilot-kill-'));
    const pgTarget = dialect === 'postgres' ? await createEmptyPostgresDatabase() : null;
    const env: Record<string, string> = {
      GRAFANA_URL: grafana.url,
      ORG_SECRETS: `1=${ORG_SECRETS[1]}`,
      ENCRYPTION_KEYS: TEST_KEYS,
      ...(pgTarget ? { DATABASE_URL: pgTarget.url } : { DATA_DIR: dir }),
    };
    try {
      const sidecar = await startSidecarProcess(env);
      const { token } = await setUp(grafana, sidecar.url);
      const acknowledged: string[] = [];
      let sent = 0;
      let stop = false;
      const worker = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const fingerprint = `w${w}-${i}`;
          sent += 1;
          try {
            const res = await deliver(
              sidecar.url,
              token,
              alertmanagerPayload([{ name: 'Load', service: `svc-${w}`, fingerprint }])
            );
            if (res.ok) {
              acknowledged.push(fingerprint);
            }
          } catch {
            return; // the process is gone
          }
        }
      };
      const workers = Array.from({ length: 16 }, (_, w) => worker(w));
      await waitFor(async () => acknowledged.length >= 300, 30_000, 'load to build up');
      const exited = new Promise((resolve) => sidecar.process.once('exit', resolve));
      sidecar.process.kill('SIGKILL');
      stop = true;
      await exited; // reaped: its pid no longer holds the data directory's lock
      await Promise.all(workers);
      expect(acknowledged.length).toBeGreaterThanOrEqual(300);
      const db = pgTarget ? new PostgresDatabase(pgTarget.adminUrl, 1) : await PgliteDatabase.open({ dataDir: dir });
      try {
        const stored = new Set(
          (await db.withOwner((tx) => tx.query<{ fingerprint: string }>('SELECT fingerprint FROM signals'))).rows.map(
            (r) => r.fingerprint
          )
        );
        const lost = acknowledged.filter((f) => !stored.has(f));
        expect(lost).toEqual([]);
        // some requests were in flight when the process died: sent ≥ stored ≥ acknowledged
        expect(stored.size).toBeLessThanOrEqual(sent);
      } finally {
        await db.close();
      }
    } finally {
      await pgTarget?.drop();
      rmSync(dir, { recursive: true, force: true });
      await grafana.close();
    }
  }, 90_000);
});
