import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../testing/processes.ts';
import { redactUrl } from './redact-url.ts';
import { HttpTransport, TransportError, networkReason, type TransportRequest } from './transport.ts';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local HTTP server that answers as told and records what reached it and on how many connections. */
async function localServer(handler: (req: IncomingMessage, res: ServerResponse, socketRequests: number) => void) {
  const requests: Received[] = [];
  const perSocket = new Map<Socket, number>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const count = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, count);
      handler(req, res, count);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  servers.push(close);
  return { url: `http://127.0.0.1:${port}/`, requests, connections: () => perSocket.size };
}

const servers: Array<() => Promise<void>> = [];
const transports: HttpTransport[] = [];

afterEach(async () => {
  transports.splice(0).forEach((transport) => transport.close());
  await Promise.all(servers.splice(0).map((close) => close()));
});

function transport(): HttpTransport {
  const created = new HttpTransport();
  transports.push(created);
  return created;
}

const request = (url: string, extra: Partial<TransportRequest> = {}): TransportRequest => ({
  url: new URL(url),
  method: 'GET',
  headers: { accept: 'application/json' },
  timeoutMs: 2_000,
  maxResponseBytes: 1_000,
  ...extra,
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error
  );
}

async function transportFailure(promise: Promise<unknown>): Promise<TransportError> {
  const error = await failure(promise);
  expect(error).toBeInstanceOf(TransportError);
  return error as TransportError;
}

describe('HttpTransport', () => {
  it('sends the method, headers and body, and returns any status with its body', async () => {
    const server = await localServer((_req, res) => res.writeHead(500, { 'x-answer': 'yes' }).end('ünïcode'));
    const answer = await transport().send(
      request(`${server.url}api/v1/query?x=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer t' },
        body: 'query=up&π=1',
      })
    );
    expect(answer).toMatchObject({ status: 500, text: 'ünïcode' });
    expect(answer.headers['x-answer']).toBe('yes');
    expect(server.requests).toEqual([
      {
        method: 'POST',
        url: '/api/v1/query?x=1',
        headers: expect.objectContaining({
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(Buffer.byteLength('query=up&π=1')),
          authorization: 'Bearer t',
        }),
        body: 'query=up&π=1',
      },
    ]);
  });

  it('keeps the connection alive between requests', async () => {
    const server = await localServer((_req, res) => res.end('ok'));
    const client = transport();
    for (let i = 0; i < 3; i++) {
      expect((await client.send(request(server.url))).text).toBe('ok');
    }
    expect(server.requests).toHaveLength(3);
    expect(server.connections()).toBe(1);
  });

  it('sends once more on a fresh connection when a kept-alive one was closed by the server', async () => {
    // The server drops every connection at its second request without answering, as after its keep-alive timeout.
    const server = await localServer((req, res, socketRequests) => {
      if (socketRequests > 1) {
        req.socket.destroy();
      } else {
        res.end('fresh');
      }
    });
    const client = transport();
    expect((await client.send(request(server.url))).text).toBe('fresh');
    expect((await client.send(request(server.url))).text).toBe('fresh');
    expect(server.requests).toHaveLength(3);
    expect(server.connections()).toBe(2);
  });

  it('accepts a body as large as the bound and refuses a larger one, declared or streamed', async () => {
    let size = 1_000;
    let chunked = false;
    const server = await localServer((_req, res) => {
      const body = 'x'.repeat(size);
      if (chunked) {
        res.writeHead(200);
        res.write(body.slice(0, 600));
        res.end(body.slice(600));
      } else {
        res.writeHead(200, { 'content-length': String(size) }).end(body);
      }
    });
    const client = transport();
    expect((await client.send(request(server.url))).text).toHaveLength(1_000);
    size = 1_001;
    const declared = await transportFailure(client.send(request(server.url)));
    expect(declared).toMatchObject({ kind: 'too_large', status: 200, limit: 1_000 });
    expect(declared.message).toMatch(/more than 1000 bytes/);
    chunked = true;
    expect(await transportFailure(client.send(request(server.url)))).toMatchObject({ kind: 'too_large', status: 200 });
    size = 1_000;
    expect((await client.send(request(server.url))).text).toHaveLength(1_000);
  });

  it('never follows a redirect, even to a server that would answer', async () => {
    const elsewhere = await localServer((_req, res) => res.end('followed'));
    const redirector = await localServer((_req, res) =>
      res.writeHead(302, { location: `${elsewhere.url}target?token=secret` }).end()
    );
    const error = await transportFailure(transport().send(request(redirector.url)));
    expect(error).toMatchObject({ kind: 'redirect', status: 302, location: `${elsewhere.url}target?token=secret` });
    expect(error.message).not.toContain('secret');
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('times out an answer that does not come, and one whose body stalls', async () => {
    const held: ServerResponse[] = [];
    const server = await localServer((req, res) => {
      held.push(res);
      if (req.url === '/stall') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('partial');
      }
    });
    for (const path of ['', 'stall']) {
      const started = performance.now();
      const error = await transportFailure(transport().send(request(`${server.url}${path}`, { timeoutMs: 200 })));
      expect(error).toMatchObject({ kind: 'timeout', limit: 200 });
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
      expect(performance.now() - started).toBeLessThan(1_500);
    }
    expect(held).toHaveLength(2);
  });

  it("rejects with the abort signal's own reason, and sends nothing when aborted before", async () => {
    const server = await localServer(() => undefined);
    const reason = new Error('the poll was stopped');
    const controller = new AbortController();
    const pending = transport().send(request(server.url, { signal: controller.signal }));
    await expect.poll(() => server.requests.length).toBe(1);
    controller.abort(reason);
    expect(await failure(pending)).toBe(reason);

    const aborted = AbortSignal.abort(reason);
    expect(await failure(transport().send(request(server.url, { signal: aborted })))).toBe(reason);
    expect(server.requests).toHaveLength(1);
  });

  it('reports a port where nothing listens as a network error in words', async () => {
    const port = await freePort();
    const error = await transportFailure(transport().send(request(`http://127.0.0.1:${port}/`)));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/cannot be reached: connection refused/);
    expect((error.cause as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('reports an answer broken off halfway', async () => {
    const server = await localServer((req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial', () => req.socket.destroy());
    });
    const error = await transportFailure(transport().send(request(server.url)));
    expect(error.kind).toBe('broken');
    expect(error.message).toMatch(/broke off its answer/);
  });
});

describe('redactUrl and networkReason', () => {
  it('shows a URL without credentials, query or fragment', () => {
    expect(redactUrl('https://user:pw@prom.example:9090/base/path?token=x#y')).toBe(
      'https://prom.example:9090/base/path'
    );
    expect(redactUrl(new URL('http://prom.example'))).toBe('http://prom.example/');
    expect(redactUrl('/relative')).toBe('(an invalid URL)');
  });

  it('names known error codes, also from a cause, and falls back to the code', () => {
    expect(networkReason(Object.assign(new Error('x'), { code: 'ENOTFOUND' }))).toBe('the host name does not resolve');
    expect(networkReason(new Error('x', { cause: { code: 'ECONNRESET' } }))).toBe('the connection was reset');
    expect(networkReason({ code: 'EPIPE' })).toBe('EPIPE');
    expect(networkReason(new Error('no code'))).toBe('the connection failed');
  });
});
