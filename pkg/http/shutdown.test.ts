import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedIngestToken, ProjectList } from '../contract/index.ts';
import { PgliteDatabase } from '../adapters/db/pglite.ts';
import { PostgresDatabase } from '../adapters/db/postgres.ts';
import { alertmanagerPayload } from '../testing/alert-payloads.ts';
import { TestGrafanaIdentity } from '../testing/grafana-identity.ts';
import { callSidecarProcess } from '../testing/process-api.ts';
import { startSidecarProcess, waitFor } from '../testing/processes.ts';
import { createEmptyPostgresDatabase, TEST_DIALECTS } from '../testing/test-database.ts';
import { ORG_SECRETS, TEST_KEYS } from '../testing/test-sidecar.ts';
import { admin, alice } from '../testing/test-users.ts';

type Outcome = { id: string; fingerprint: string; status?: number; error?: string };

/** A delivery over a raw connection whose body is sent in two halves, so that it is in flight as long as wanted. */
interface HalfSent {
  id: string;
  fingerprint: string;
  finish: () => void;
  /** The status line's code, or null when the connection ended without an answer. */
  answer: Promise<number | null>;
}

function sendHalf(port: number, token: string, id: string, fingerprint: string): Promise<HalfSent> {
  const body = JSON.stringify(alertmanagerPayload([{ name: 'Slow', service: 'slow', fingerprint }]));
  const head =
    'POST /api/v1/webhooks/alertmanager HTTP/1.1\r\nhost: sidecar\r\ncontent-type: application/json\r\n' +
    `authorization: Bearer ${token}\r\nx-request-id: ${id}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
  const half = Math.floor(body.length / 2);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: '127.0.0.1', port });
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    const answer = new Promise<number | null>((done) =>
      socket.once('close', () => {
        const status = /^HTTP\/1\.1 (\d{3})/.exec(received);
        done(status ? Number(status[1]) : null);
      })
    );
    socket.once('connect', () => {
      socket.write(head + body.slice(0, half));
      resolve({
        id,
        fingerprint,
        answer,
        finish: () => {
          socket.write(body.slice(half));
          // The answer comes, then the connection is closed by either side.
          setTimeout(() => socket.end(), 3_000).unref();
        },
      });
    });
    socket.once('error', reject);
  });
}

describe.each(TEST_DIALECTS)('SIGTERM under load on %s', (dialect) => {
  let grafana: TestGrafanaIdentity;
  let dir: string;
  let pgTarget: Awaited<ReturnType<typeof createEmptyPostgresDatabase>> | null = null;
  let env: Record<string, string>;

  beforeAll(async () => {
    grafana = await TestGrafanaIdentity.start();
  }, 60_000);
  afterAll(async () => {
    await grafana?.close();
  });

  const freshStore = async () => {
    dir = mkdtempSync(join(tmpdir(), 'sre-copilot-drain-'));
    pgTarget = dialect === 'postgres' ? await createEmptyPostgresDatabase() : null;
    env = {
      GRAFANA_URL: grafana.url,
      ORG_SECRETS: `1=${ORG_SECRETS[1]}`,
      ENCRYPTION_KEYS: TEST_KEYS,
      ...(pgTarget ? { DATABASE_URL: pgTarget.url } : { DATA_DIR: dir }),
    };
  };
  const dropStore = async () => {
    await pgTarget?.drop();
    rmSync(dir, { recursive: true, force: true });
  };
  const setUp = async (url: string) => {
    const projectId = ((await callSidecarProcess(grafana, url, alice, '/api/v1/projects')).json as ProjectList)
      .items[0]!.id;
    const token = (
      (
        await callSidecarProcess(grafana, url, admin, '/api/v1/ingest-tokens', {
          method: 'POST',
          projectId,
          body: { name: 'am' },
        })
      ).json as CreatedIngestToken
    ).token;
    return { projectId, token };
  };

  it('answers every request it accepted, ends the event streams and exits within the grace period', async () => {
    await freshStore();
    try {
      const sidecar = await startSidecarProcess({ ...env, LOG_LEVEL: 'info', SHUTDOWN_GRACE_SECONDS: '6' });
      const { projectId, token } = await setUp(sidecar.url);
      const stream = await fetch(`${sidecar.url}/api/v1/stream?projectId=${projectId}`, {
        headers: {
          'x-sre-copilot-secret': ORG_SECRETS[1],
          'x-grafana-id': await grafana.idToken(alice),
          'x-grafana-context': grafana.context(alice),
        },
      });
      const events = stream.body!.getReader();
      const streamEnded = (async () => {
        for (;;) {
          if ((await events.read()).done) {
            return Date.now();
          }
        }
      })().catch(() => 'reset' as const);

      const outcomes: Outcome[] = [];
      let exited = false;
      const worker = async (w: number) => {
        for (let i = 0; !exited; i++) {
          const outcome: Outcome = { id: `load-${w}-${i}`, fingerprint: `w${w}-${i}` };
          outcomes.push(outcome);
          try {
            const res = await fetch(`${sidecar.url}/api/v1/webhooks/alertmanager`, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                authorization: `Bearer ${token}`,
                'x-request-id': outcome.id,
              },
              body: JSON.stringify(
                alertmanagerPayload([{ name: 'Load', service: `svc-${w}`, fingerprint: outcome.fingerprint }])
              ),
            });
            await res.arrayBuffer();
            outcome.status = res.status;
          } catch (error) {
            outcome.error = String((error as Error).cause ?? error);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
      };
      const workers = Array.from({ length: 16 }, (_, w) => worker(w));
      await waitFor(async () => outcomes.filter((o) => o.status === 200).length >= 200, 30_000, 'load to build up');
      const slow = await Promise.all(
        Array.from({ length: 20 }, (_, i) => sendHalf(sidecar.port, token, `slow-${i}`, `slow-${i}`))
      );
      // The halves have arrived: the deliveries are in flight.
      await new Promise((resolve) => setTimeout(resolve, 300));

      const exit = new Promise<{ code: number | null; at: number }>((resolve) =>
        sidecar.process.once('exit', (code) => resolve({ code, at: Date.now() }))
      );
      const stoppedAt = Date.now();
      sidecar.process.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 500));
      slow.forEach((s) => s.finish());
      const answers = await Promise.all(slow.map((s) => s.answer));
      const { code, at } = await exit;
      exited = true;
      await Promise.all(workers);

      expect(answers).toEqual(slow.map(() => 200));
      expect(code).toBe(0);
      expect(at - stoppedAt).toBeLessThan(6_000);
      const ended = await streamEnded;
      expect(ended).not.toBe('reset');
      expect(ended as number).toBeLessThanOrEqual(at);

      // A load request that failed never reached the server; every one that did was answered.
      const log = sidecar.output();
      const accepted = new Set([...log.matchAll(/"reqId":"([^"]+)".*?"msg":"incoming request"/g)].map((m) => m[1]));
      expect(accepted.size).toBeGreaterThanOrEqual(200);
      const failedButAccepted = outcomes.filter((o) => o.status === undefined && accepted.has(o.id));
      expect(failedButAccepted).toEqual([]);
      expect(outcomes.filter((o) => o.status !== undefined && o.status !== 200)).toEqual([]);

      const db = pgTarget ? new PostgresDatabase(pgTarget.adminUrl, 1) : await PgliteDatabase.open({ dataDir: dir });
      try {
        const stored = new Set(
          (await db.withOwner((tx) => tx.query<{ fingerprint: string }>('SELECT fingerprint FROM signals'))).rows.map(
            (r) => r.fingerprint
          )
        );
        const acknowledged = [...outcomes.filter((o) => o.status === 200), ...slow].map((o) => o.fingerprint);
        expect(acknowledged.filter((f) => !stored.has(f))).toEqual([]);
      } finally {
        await db.close();
      }
    } finally {
      await dropStore();
    }
  }, 90_000);

  it('cuts what is still unanswered at the end of the grace period and exits', async () => {
    await freshStore();
    try {
      const sidecar = await startSidecarProcess({
        ...env,
        SHUTDOWN_GRACE_SECONDS: '1',
        HTTP_REQUEST_TIMEOUT_SECONDS: '60',
      });
      const { token } = await setUp(sidecar.url);
      const stuck = await sendHalf(sidecar.port, token, 'stuck', 'stuck');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const exit = new Promise<{ code: number | null; at: number }>((resolve) =>
        sidecar.process.once('exit', (code) => resolve({ code, at: Date.now() }))
      );
      const stoppedAt = Date.now();
      sidecar.process.kill('SIGTERM');
      const { code, at } = await exit;
      expect(code).toBe(0);
      expect(at - stoppedAt).toBeGreaterThanOrEqual(1_000);
      expect(at - stoppedAt).toBeLessThan(4_000);
      expect(await stuck.answer).toBeNull();
      expect(sidecar.output()).toContain('requests still unanswered at the end of the shutdown grace period were cut');
    } finally {
      await dropStore();
    }
  }, 60_000);
});
