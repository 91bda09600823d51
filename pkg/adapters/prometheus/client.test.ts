import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, syntheticHistory, type RunningPrometheus } from '../../testing/prometheus.ts';
import { freePort } from '../../testing/processes.ts';
import { PrometheusClient, PrometheusError, isHostAllowed, prometheusTarget, type PrometheusTarget } from './client.ts';

const HOUR = 3_600_000;

/** A local HTTP server that answers as told and records what reached it. */
async function fakeServer(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const requests: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
  let connections = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    host: `127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

const target = (host: string, path = '/'): PrometheusTarget => ({
  id: 'prom-1',
  name: 'prod',
  baseUrl: `http://${host}${path}`,
  headers: { authorization: 'Bearer very-secret-token' },
});

async function failure(promise: Promise<unknown>): Promise<PrometheusError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e
  );
  expect(error).toBeInstanceOf(PrometheusError);
  expect((error as Error).message).not.toContain('very-secret-token');
  return error as PrometheusError;
}

describe('PrometheusClient against a real Prometheus', () => {
  let prometheus: RunningPrometheus;
  let prom: PrometheusTarget;
  let client: PrometheusClient;
  const endMs = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;

  beforeAll(async () => {
    prometheus = await startPrometheus({
      queryLog: true,
      backfill: syntheticHistory({
        services: ['checkout', 'search'],
        hours: 3,
        endMs,
        stepSeconds: 60,
        requestsPerSecond: 10,
        errorRatio: 0.1,
        noise: 0,
      }),
    });
    prom = target(`127.0.0.1:${prometheus.port}`);
    client = new PrometheusClient({
      allowedHosts: [`127.0.0.1:${prometheus.port}`],
      timeoutMs: 5_000,
      maxInFlightPerTarget: 4,
    });
  });

  afterAll(async () => {
    await prometheus?.stop();
  });

  it('runs an instant query at the given time and parses its vector', async () => {
    const atMs = endMs - HOUR;
    const samples = await client.queryInstant(prom, 'sum by (service, code) (rate(http_requests_total[10m]))', atMs);
    expect(samples).toHaveLength(4);
    const byKey = Object.fromEntries(samples.map((s) => [`${s.labels.service}/${s.labels.code}`, s.value]));
    expect(byKey['checkout/200']).toBeCloseTo(9, 0);
    expect(byKey['search/500']).toBeCloseTo(1, 0);
    expect(samples[0]!.labels).toEqual({ service: expect.any(String), code: expect.any(String) });
    // what Prometheus ran, and when
    const logged = (await prometheus.queryLog()).filter((q) => q.query.startsWith('sum by (service, code)'));
    expect(logged).toEqual([{ query: 'sum by (service, code) (rate(http_requests_total[10m]))', timeMs: atMs }]);
  });

  it('turns a scalar into one sample without labels, and reads NaN and ±Inf', async () => {
    expect(await client.queryInstant(prom, 'scalar(vector(42))', endMs)).toEqual([{ labels: {}, value: 42 }]);
    expect((await client.queryInstant(prom, 'vector(0) / 0', endMs))[0]!.value).toBeNaN();
    expect((await client.queryInstant(prom, 'vector(1) / 0', endMs))[0]!.value).toBe(Number.POSITIVE_INFINITY);
    expect((await client.queryInstant(prom, '-vector(1) / 0', endMs))[0]!.value).toBe(Number.NEGATIVE_INFINITY);
    expect(await client.queryInstant(prom, 'http_requests_total{service="nope"}', endMs)).toEqual([]);
  });

  it('runs a range query with its start, end and step', async () => {
    const startMs = endMs - 30 * 60_000;
    const series = await client.queryRange(
      prom,
      'http_requests_total{service="checkout",code="200"}',
      startMs,
      endMs,
      60_000
    );
    expect(series).toHaveLength(1);
    expect(series[0]!.labels).toMatchObject({ __name__: 'http_requests_total', service: 'checkout', code: '200' });
    expect(series[0]!.points).toHaveLength(31);
    expect(series[0]!.points[0]![0]).toBe(startMs);
    expect(series[0]!.points.at(-1)![0]).toBe(endMs);
    const values = series[0]!.points.map(([, v]) => v);
    expect(values).toEqual([...values].sort((a, b) => a - b)); // a counter
    const logged = (await prometheus.queryLog()).filter((q) => q.query.includes('service="checkout",code="200"'));
    expect(logged).toEqual([
      { query: 'http_requests_total{service="checkout",code="200"}', startMs, endMs, stepMs: 60_000 },
    ]);
  });

  it("reports a bad query with Prometheus' own message, without retrying", async () => {
    const error = await failure(client.queryInstant(prom, 'sum(rate(http_requests_total[5m]', endMs));
    expect(error.kind).toBe('query');
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/refused the query: .*parse error/);
    expect((await prometheus.queryLog()).some((q) => q.query.startsWith('sum(rate(http_requests_total[5m]'))).toBe(
      false
    );

    const range = await failure(client.queryInstant(prom, 'http_requests_total[5m]', endMs));
    expect(range.kind).toBe('query');
    expect(range.message).toMatch(/range vector/);
  });

  it('reads the build info and tests the connection', async () => {
    expect((await client.buildInfo(prom)).version).toMatch(/^2\.42\./);
    const result = await client.test(prom);
    expect(result).toMatchObject({ ok: true, error: null, targets: { up: 0, total: 0 } });
    expect(result.version).toMatch(/^2\.42\./);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(result.checkedAt)).not.toBeNaN();
  });

  it('goes nowhere outside the allow-list', async () => {
    // localhost is the same machine, but not the same allow-list entry
    const other = target(`localhost:${prometheus.port}`);
    const error = await failure(client.queryInstant(other, 'vector(7)', endMs));
    expect(error.kind).toBe('not_allowed');
    expect(error.message).toMatch(/PROMETHEUS_ALLOWED_HOSTS/);
    const result = await client.test(other);
    expect(result).toMatchObject({ ok: false, version: null, targets: null });
    expect(result.error).toMatch(/is not allowed/);
    expect((await prometheus.queryLog()).some((q) => q.query === 'vector(7)')).toBe(false);
  });

  it('does not follow a redirect to an allowed Prometheus', async () => {
    const redirector = await fakeServer((_req, res) =>
      res.writeHead(302, { location: `${prometheus.url}/api/v1/query?query=vector(8)` }).end()
    );
    try {
      const allowBoth = new PrometheusClient({
        allowedHosts: [redirector.host, `127.0.0.1:${prometheus.port}`],
        timeoutMs: 2_000,
        maxInFlightPerTarget: 4,
      });
      const error = await failure(allowBoth.queryInstant(target(redirector.host), 'vector(8)', endMs));
      expect(error.kind).toBe('redirect');
      expect(error.status).toBe(302);
      expect(redirector.requests).toHaveLength(1);
      expect((await prometheus.queryLog()).some((q) => q.query === 'vector(8)')).toBe(false);
    } finally {
      await redirector.close();
    }
  });
});

describe('PrometheusClient against what is not a healthy Prometheus', () => {
  const fast = (host: string, extra: Partial<ConstructorParameters<typeof PrometheusClient>[0]> = {}) =>
    new PrometheusClient({ allowedHosts: [host], timeoutMs: 500, maxInFlightPerTarget: 4, retryBaseMs: 10, ...extra });

  it('sends the form, the auth header and keeps the base path (Grafana datasource proxy)', async () => {
    const server = await fakeServer((_req, res) =>
      json(res, 200, {
        status: 'success',
        data: { resultType: 'vector', result: [{ metric: { a: 'b' }, value: [1, '2'] }] },
      })
    );
    try {
      const t = target(server.host, '/api/datasources/proxy/uid/prom/');
      expect(await fast(server.host).queryInstant(t, 'up{job="x"}', 1_700_000_000_123)).toEqual([
        { labels: { a: 'b' }, value: 2 },
      ]);
      const [request] = server.requests;
      expect(request).toMatchObject({ method: 'POST', url: '/api/datasources/proxy/uid/prom/api/v1/query' });
      expect(request!.headers.authorization).toBe('Bearer very-secret-token');
      expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(Object.fromEntries(new URLSearchParams(request!.body))).toEqual({
        query: 'up{job="x"}',
        time: '1700000000.123',
      });
    } finally {
      await server.close();
    }
  });

  it('retries 5xx and 429 with backoff, but not 4xx', async () => {
    let status = 503;
    const server = await fakeServer((_req, res) =>
      json(res, status, { status: 'error', errorType: 'unavailable', error: 'busy' })
    );
    try {
      const client = fast(server.host, { retries: 2 });
      expect((await failure(client.queryInstant(target(server.host), 'up', 0))).status).toBe(503);
      expect(server.requests).toHaveLength(3);
      status = 429;
      expect((await failure(client.queryInstant(target(server.host), 'up', 0))).kind).toBe('http');
      expect(server.requests).toHaveLength(6);
      status = 401;
      const unauthorized = await failure(client.queryInstant(target(server.host), 'up', 0));
      expect(unauthorized).toMatchObject({ kind: 'http', status: 401 });
      expect(server.requests).toHaveLength(7);
      status = 404;
      const missing = await failure(client.queryInstant(target(server.host), 'up', 0));
      expect(missing.message).toMatch(/no Prometheus API at this address/);
      expect(server.requests).toHaveLength(8);
    } finally {
      await server.close();
    }
  });

  it('recovers when a retry succeeds', async () => {
    let calls = 0;
    const server = await fakeServer((_req, res) =>
      ++calls === 1
        ? json(res, 502, {})
        : json(res, 200, { status: 'success', data: { resultType: 'scalar', result: [1, '3'] } })
    );
    try {
      expect(await fast(server.host).queryInstant(target(server.host), 'up', 0)).toEqual([{ labels: {}, value: 3 }]);
      expect(calls).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('times out an answer that does not come', async () => {
    const server = await fakeServer(() => undefined); // never answers
    try {
      const started = Date.now();
      const error = await failure(
        fast(server.host, { timeoutMs: 300, retries: 1 }).queryInstant(target(server.host), 'up', 0)
      );
      expect(error.kind).toBe('timeout');
      expect(error.message).toMatch(/did not answer within 0\.3 s/);
      expect(server.requests).toHaveLength(2);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await server.close();
    }
  });

  it('reports a port where nothing listens as a network error, and the test says so', async () => {
    const host = `127.0.0.1:${await freePort()}`;
    const error = await failure(fast(host, { retries: 1 }).queryInstant(target(host), 'up', 0));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/connection refused/);
    const started = Date.now();
    const result = await fast(host).test(target(host));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(result).toMatchObject({ ok: false, version: null, targets: null });
    expect(result.error).toMatch(/cannot be reached: connection refused/);
  });

  it.each([
    ['text instead of JSON', 200, 'hello', /not its JSON envelope/],
    ['an HTML error page', 502, '<html>bad gateway</html>', /answered 502/],
    [
      'a wrong shape',
      200,
      JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ value: 1 }] } }),
      /unexpected shape/,
    ],
    [
      'a value that is no number',
      200,
      JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, 'abc'] } }),
      /not a number/,
    ],
    [
      'an unknown result type',
      200,
      JSON.stringify({ status: 'success', data: { resultType: 'stream', result: [] } }),
      /unexpected shape/,
    ],
  ])('turns %s into a clear error', async (_name, status, body, message) => {
    const server = await fakeServer((_req, res) => res.writeHead(status, { 'content-type': 'text/html' }).end(body));
    try {
      const error = await failure(fast(server.host, { retries: 0 }).queryInstant(target(server.host), 'up', 0));
      expect(error.kind).toBe(status === 200 ? 'bad_response' : 'http');
      expect(error.message).toMatch(message);
    } finally {
      await server.close();
    }
  });

  it('refuses an answer larger than the bound, declared or streamed', async () => {
    const big = JSON.stringify({
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { x: 'y'.repeat(5_000) }, value: [1, '1'] }] },
    });
    let chunked = false;
    const server = await fakeServer((_req, res) => {
      if (chunked) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(big.slice(0, 2_000));
        res.end(big.slice(2_000));
      } else {
        json(res, 200, JSON.parse(big));
      }
    });
    try {
      const client = fast(server.host, { maxResponseBytes: 1_000 });
      expect((await failure(client.queryInstant(target(server.host), 'up', 0))).message).toMatch(/more than/);
      chunked = true;
      expect((await failure(client.queryInstant(target(server.host), 'up', 0))).kind).toBe('bad_response');
    } finally {
      await server.close();
    }
  });

  it('keeps at most maxInFlightPerTarget requests in flight per Prometheus and queues the rest', async () => {
    const held: ServerResponse[] = [];
    let concurrent = 0;
    let peak = 0;
    const server = await fakeServer((_req, res) => {
      concurrent++;
      peak = Math.max(peak, concurrent);
      res.on('finish', () => concurrent--);
      held.push(res);
    });
    try {
      const client = fast(server.host, { timeoutMs: 5_000, maxInFlightPerTarget: 3 });
      const t = target(server.host);
      const queries = Array.from({ length: 10 }, () => client.queryInstant(t, 'up', 0));
      const answer = (res: ServerResponse) =>
        json(res, 200, { status: 'success', data: { resultType: 'vector', result: [] } });
      for (let answered = 0; answered < 10;) {
        await new Promise((resolve) => setTimeout(resolve, 30));
        expect(client.inFlight(t.baseUrl)).toBeLessThanOrEqual(3);
        const batch = held.splice(0);
        answered += batch.length;
        batch.forEach(answer);
      }
      await Promise.all(queries);
      expect(peak).toBe(3);
      expect(server.requests).toHaveLength(10);
      expect(client.inFlight(t.baseUrl)).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('stops when the caller aborts', async () => {
    const server = await fakeServer(() => undefined);
    try {
      const controller = new AbortController();
      const pending = fast(server.host, { timeoutMs: 5_000 }).queryInstant(
        target(server.host),
        'up',
        0,
        controller.signal
      );
      setTimeout(() => controller.abort(), 50);
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      await server.close();
    }
  });
});

describe('allow-list and targets', () => {
  it('compares host[:port] in lower case, default ports written or not', () => {
    expect(isHostAllowed('http://Prom.Example/', ['prom.example'])).toBe(true);
    expect(isHostAllowed('http://prom.example:80/', ['prom.example'])).toBe(true);
    expect(isHostAllowed('https://prom.example/', ['prom.example:443'])).toBe(true);
    expect(isHostAllowed('http://prom.example:9090/', ['prom.example'])).toBe(false);
    expect(isHostAllowed('http://prom.example:9090/', ['prom.example:9090'])).toBe(true);
    expect(isHostAllowed('http://prom.example.evil.test/', ['prom.example'])).toBe(false);
    expect(isHostAllowed('http://[::1]:9090/', ['[::1]:9090'])).toBe(true);
    expect(isHostAllowed('http://127.0.0.1:9090/', [])).toBe(false);
  });

  it('builds direct and Grafana targets, with their auth', () => {
    const direct = prometheusTarget(
      { id: 'i', name: 'p', config: { mode: 'direct', url: 'https://prom.example/prometheus', username: 'reader' } },
      { password: 'pw' },
      null
    );
    expect(direct).toEqual({
      id: 'i',
      name: 'p',
      baseUrl: 'https://prom.example/prometheus/',
      headers: { authorization: `Basic ${Buffer.from('reader:pw').toString('base64')}` },
    });
    expect(
      prometheusTarget(
        { id: 'i', name: 'p', config: { mode: 'direct', url: 'http://prom:9090' } },
        { bearerToken: 't' },
        null
      )
    ).toMatchObject({ baseUrl: 'http://prom:9090/', headers: { authorization: 'Bearer t' } });
    expect(
      prometheusTarget({ id: 'i', name: 'p', config: { mode: 'direct', url: 'http://prom:9090/' } }, {}, null).headers
    ).toEqual({});
    expect(
      prometheusTarget(
        { id: 'i', name: 'p', config: { mode: 'grafana', datasourceUid: 'abc' } },
        {},
        { url: 'http://grafana:3000/', token: 'glsa' }
      )
    ).toEqual({
      id: 'i',
      name: 'p',
      baseUrl: 'http://grafana:3000/api/datasources/proxy/uid/abc/',
      headers: { authorization: 'Bearer glsa' },
    });
    expect(() =>
      prometheusTarget({ id: 'i', name: 'p', config: { mode: 'grafana', datasourceUid: 'abc' } }, {}, null)
    ).toThrow(/no Grafana integration with a service-account token/);
  });
});
