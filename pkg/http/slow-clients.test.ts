import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedIngestToken, ProjectList } from '../contract/index.ts';
import { alertmanagerPayload } from '../testing/alert-payloads.ts';
import { TestGrafanaIdentity } from '../testing/grafana-identity.ts';
import { callSidecarProcess } from '../testing/process-api.ts';
import { startSidecarProcess } from '../testing/processes.ts';
import { createEmptyPostgresDatabase, TEST_DIALECTS } from '../testing/test-database.ts';
import { ORG_SECRETS, TEST_KEYS } from '../testing/test-sidecar.ts';
import { admin, alice } from '../testing/test-users.ts';

/** A raw connection that records what the server sends and when it closes the connection. */
interface RawConnection {
  socket: Socket;
  received: () => string;
  /** Resolves with the milliseconds from `start` when the server closed the connection. */
  closed: Promise<number>;
}

function openConnection(port: number, start: number, localAddress?: string): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now() - start)));
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => received, closed }));
    socket.once('error', reject);
  });
}

const webhookHead = (token: string, length: number) =>
  'POST /api/v1/webhooks/alertmanager HTTP/1.1\r\nhost: sidecar\r\ncontent-type: application/json\r\n' +
  `authorization: Bearer ${token}\r\ncontent-length: ${length}\r\n\r\n`;

/** GET /health over a fresh connection from `localAddress`: its status, or the error code when it fails. */
function healthFrom(port: number, localAddress: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/health', localAddress, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

describe.each(TEST_DIALECTS)('slow and greedy clients on %s', (dialect) => {
  let grafana: TestGrafanaIdentity;
  let dir: string;
  let pgTarget: Awaited<ReturnType<typeof createEmptyPostgresDatabase>> | null = null;
  let env: Record<string, string>;

  beforeAll(async () => {
    grafana = await TestGrafanaIdentity.start();
    dir = mkdtempSync(join(tmpdir(), 'sre-copilot-slow-'));
    pgTarget = dialect === 'postgres' ? await createEmptyPostgresDatabase() : null;
    env = {
      GRAFANA_URL: grafana.url,
      ORG_SECRETS: `1=${ORG_SECRETS[1]}`,
      ENCRYPTION_KEYS: TEST_KEYS,
      POLLING_ENABLED: 'false',
      ...(pgTarget ? { DATABASE_URL: pgTarget.url } : { DATA_DIR: dir }),
    };
  }, 60_000);
  afterAll(async () => {
    await pgTarget?.drop();
    rmSync(dir, { recursive: true, force: true });
    await grafana?.close();
  });

  it('closes trickling bodies, missing bodies and trickling headers within the timeouts, not the event stream', async () => {
    const sidecar = await startSidecarProcess({
      ...env,
      HTTP_HEADERS_TIMEOUT_SECONDS: '1',
      HTTP_REQUEST_TIMEOUT_SECONDS: '2',
      HTTP_MAX_CONNECTIONS_PER_ADDRESS: '1000',
    });
    const timers: NodeJS.Timeout[] = [];
    try {
      const projectId = (
        (await callSidecarProcess(grafana, sidecar.url, alice, '/api/v1/projects')).json as ProjectList
      ).items[0]!.id;
      const token = (
        (
          await callSidecarProcess(grafana, sidecar.url, admin, '/api/v1/ingest-tokens', {
            method: 'POST',
            projectId,
            body: { name: 'am' },
          })
        ).json as CreatedIngestToken
      ).token;
      const stream = await fetch(`${sidecar.url}/api/v1/stream?projectId=${projectId}`, {
        headers: {
          'x-sre-copilot-secret': ORG_SECRETS[1],
          'x-grafana-id': await grafana.idToken(alice),
          'x-grafana-context': grafana.context(alice),
        },
      });
      expect(stream.status).toBe(200);
      const events = stream.body!.getReader();
      await events.read();

      const start = Date.now();
      const trickling = await Promise.all(Array.from({ length: 200 }, () => openConnection(sidecar.port, start)));
      const bodiless = await Promise.all(Array.from({ length: 50 }, () => openConnection(sidecar.port, start)));
      const headerless = await Promise.all(Array.from({ length: 50 }, () => openConnection(sidecar.port, start)));
      for (const c of trickling) {
        c.socket.write(webhookHead(token, 100_000));
      }
      for (const c of bodiless) {
        c.socket.write(webhookHead(token, 500));
      }
      for (const c of headerless) {
        c.socket.write('POST /api/v1/webhooks/alertmanager HTTP/1.1\r\n');
      }
      timers.push(
        setInterval(() => {
          for (const c of trickling) {
            c.socket.write('[');
          }
          for (const c of headerless) {
            c.socket.write('x-trickle: 1\r\n');
          }
        }, 200)
      );

      const timedOut = await Promise.race([
        Promise.all([...trickling, ...bodiless, ...headerless].map((c) => c.closed)),
        new Promise<null>((resolve) => timers.push(setTimeout(() => resolve(null), 8_000))),
      ]);
      expect(timedOut, 'every slow connection is closed').not.toBeNull();
      const closedAt = timedOut!;
      // Node checks the timeouts every second: each connection is cut within its timeout and one check.
      expect(Math.max(...closedAt.slice(250))).toBeLessThan(1_000 + 1_500);
      expect(Math.max(...closedAt)).toBeLessThan(2_000 + 1_500);
      for (const c of [...trickling, ...bodiless, ...headerless]) {
        expect(c.received()).toMatch(/^(HTTP\/1\.1 408|$)/);
      }

      // The event stream, whose request is complete, is still open after the request timeout.
      const next = await Promise.race([
        events.read(),
        new Promise<'open'>((resolve) => timers.push(setTimeout(() => resolve('open'), 1_000))),
      ]);
      expect(next).toBe('open');
      await events.cancel();

      const delivered = await fetch(`${sidecar.url}/api/v1/webhooks/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(alertmanagerPayload([{ name: 'AfterSlow', service: 'checkout', fingerprint: 'fp-ok' }])),
      });
      expect(delivered.status).toBe(200);
      expect((await fetch(`${sidecar.url}/health`)).status).toBe(200);
    } finally {
      timers.forEach((t) => clearTimeout(t));
      await sidecar.stop();
    }
  }, 60_000);

  it('closes connections beyond the cap of one address at once, and no other address is affected', async () => {
    const sidecar = await startSidecarProcess({ ...env, HTTP_MAX_CONNECTIONS_PER_ADDRESS: '5' });
    try {
      // A client address of its own (127.0.0.3), apart from the connections the test's own calls keep open.
      const start = Date.now();
      const held = await Promise.all(Array.from({ length: 5 }, () => openConnection(sidecar.port, start, '127.0.0.3')));
      const refused = await openConnection(sidecar.port, start, '127.0.0.3');
      const refusedAt = await Promise.race([
        refused.closed,
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 2_000)),
      ]);
      expect(refusedAt, 'the sixth connection is closed').not.toBeNull();
      expect(refused.received()).toBe('');
      expect(await healthFrom(sidecar.port, '127.0.0.3')).not.toBe(200);
      // Another client address has its own count.
      expect(await healthFrom(sidecar.port, '127.0.0.2')).toBe(200);
      held[0]!.socket.destroy();
      await held[0]!.closed;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await healthFrom(sidecar.port, '127.0.0.3')).toBe(200);
      held.forEach((c) => c.socket.destroy());
    } finally {
      await sidecar.stop();
    }
  }, 60_000);
});
