import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectList } from '../contract/index.ts';
import type { TestUser } from '../testing/grafana-identity.ts';
import { TEST_DIALECTS } from '../testing/test-database.ts';
import { createTestSidecar, ORG_SECRETS, type TestSidecar } from '../testing/test-sidecar.ts';
import { alice, victor } from '../testing/test-users.ts';

interface OpenedStream {
  status: number;
  retryAfter: string | null;
  body: string;
  close(): void;
}

describe.each(TEST_DIALECTS)('event streams per user on %s', (dialect) => {
  let t: TestSidecar;
  let baseUrl: string;
  let projectId: string;
  const open: OpenedStream[] = [];

  beforeAll(async () => {
    t = await createTestSidecar(dialect);
    baseUrl = await t.sidecar.app.listen({ port: 0, host: '127.0.0.1' });
    projectId = (await t.call(alice, '/api/v1/projects')).json<ProjectList>().items[0]!.id;
  });
  afterAll(async () => {
    for (const stream of open) {
      stream.close();
    }
    await t?.close();
  });

  /** GET /api/v1/stream over a real socket; a refused stream is read to its end, an open one left open. */
  async function openStream(user: TestUser): Promise<OpenedStream> {
    const controller = new AbortController();
    const res = await fetch(`${baseUrl}/api/v1/stream?projectId=${projectId}`, {
      headers: {
        'x-sre-copilot-secret': ORG_SECRETS[1],
        'x-grafana-id': await t.grafana.idToken(user),
        'x-grafana-context': t.grafana.context(user),
      },
      signal: controller.signal,
    });
    const isStream = (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
    const stream: OpenedStream = {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: isStream ? '' : await res.text(),
      close: () => controller.abort(),
    };
    if (isStream) {
      // Keep reading so the socket stays healthy; the abort ends the read.
      void res.body?.pipeTo(new WritableStream()).catch(() => undefined);
      open.push(stream);
    }
    return stream;
  }

  /** The number of streams the sidecar holds, from its own gauge, once it has settled on `expected`. */
  async function waitForClients(expected: number): Promise<void> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const clients = (await t.sidecar.metrics.sseClients.get()).values[0]?.value ?? 0;
      if (clients === expected || Date.now() > deadline) {
        expect(clients).toBe(expected);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('caps a user’s concurrent streams at 10 with a clear 429, and gives the slot back when a stream closes', async () => {
    const mine: OpenedStream[] = [];
    for (let i = 0; i < 10; i++) {
      const stream = await openStream(alice);
      expect(stream.status, stream.body).toBe(200);
      mine.push(stream);
    }
    const refused = await openStream(alice);
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBeTruthy();
    expect(JSON.parse(refused.body).error).toMatchObject({
      code: 'rate_limited',
      message: expect.stringContaining('too many open event streams: at most 10 per user'),
    });

    // another user of the same project is not affected
    const other = await openStream(victor);
    expect(other.status).toBe(200);
    await waitForClients(11);

    // closing one stream frees one slot, and only one
    mine.pop()!.close();
    await waitForClients(10);
    const again = await openStream(alice);
    expect(again.status).toBe(200);
    mine.push(again);
    expect((await openStream(alice)).status).toBe(429);

    // all closed: every slot is free again
    for (const stream of [...mine, other]) {
      stream.close();
    }
    await waitForClients(0);
    for (let i = 0; i < 10; i++) {
      expect((await openStream(alice)).status).toBe(200);
    }
    expect((await openStream(alice)).status).toBe(429);
  });
});
