import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusClient, type PrometheusTarget } from '../adapters/prometheus/client.ts';
import {
  startExporter,
  startPrometheus,
  syntheticHistory,
  type RunningExporter,
  type RunningPrometheus,
} from './prometheus.ts';

describe('test Prometheus, exporter and history', () => {
  let exporter: RunningExporter;
  let prometheus: RunningPrometheus;
  let client: PrometheusClient;
  let target: PrometheusTarget;
  const endMs = Date.now() - 60_000;

  beforeAll(async () => {
    exporter = await startExporter({ services: ['checkout', 'search'], requestsPerSecond: 100, errorRatio: 0.01 });
    prometheus = await startPrometheus({
      scrapeTargets: [exporter.address],
      queryLog: true,
      backfill: syntheticHistory({
        services: ['checkout', 'search'],
        hours: 2,
        endMs,
        stepSeconds: 15,
        requestsPerSecond: 100,
        errorRatio: 0.01,
        noise: 0.1,
        seed: 7,
        labels: { job: 'app', instance: exporter.address },
      }),
    });
    client = new PrometheusClient({
      allowedHosts: [`127.0.0.1:${prometheus.port}`],
      timeoutMs: 5_000,
      maxInFlightPerTarget: 4,
    });
    target = { id: 't', name: 'test', baseUrl: `${prometheus.url}/`, headers: {} };
  });

  afterAll(async () => {
    client?.close();
    await prometheus?.stop();
    await exporter?.stop();
  });

  it('scrapes the exporter before it is handed out', async () => {
    const up = await client.queryInstant(target, 'up', Date.now());
    expect(up).toEqual([{ labels: { __name__: 'up', job: 'app', instance: exporter.address }, value: 1 }]);
    const counters = await client.queryInstant(target, 'http_requests_total', Date.now());
    expect(counters.map((s) => `${s.labels.service}/${s.labels.code}`).sort()).toEqual([
      'checkout/200',
      'checkout/500',
      'search/200',
      'search/500',
    ]);
  });

  it('holds a noisy, steady history of the same series', async () => {
    const series = await client.queryRange(
      target,
      'sum by (service) (rate(http_requests_total{code="500"}[5m]))',
      endMs - 90 * 60_000,
      endMs - 5 * 60_000,
      60_000
    );
    expect(series.map((s) => s.labels.service).sort()).toEqual(['checkout', 'search']);
    for (const { points } of series) {
      const values = points.map(([, v]) => v);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      expect(mean).toBeGreaterThan(0.8);
      expect(mean).toBeLessThan(1.2);
      expect(new Set(values.map((v) => v.toFixed(4))).size).toBeGreaterThan(10); // noisy, not flat
    }
    // the same seed gives the same history
    const options = {
      services: ['a'],
      hours: 1,
      endMs,
      stepSeconds: 60,
      requestsPerSecond: 1,
      errorRatio: 0.1,
      seed: 3,
    };
    expect(syntheticHistory(options)).toBe(syntheticHistory(options));
    expect(syntheticHistory(options).endsWith('# EOF\n')).toBe(true);
  });

  it('logs every query with its evaluation time or range', async () => {
    const atMs = Date.now() - 1_000;
    await client.queryInstant(target, 'vector(123)', atMs);
    await client.queryRange(target, 'vector(456)', atMs - 60_000, atMs, 15_000);
    const log = await prometheus.queryLog();
    expect(log.filter((q) => q.query === 'vector(123)')).toEqual([{ query: 'vector(123)', timeMs: atMs }]);
    expect(log.filter((q) => q.query === 'vector(456)')).toEqual([
      { query: 'vector(456)', startMs: atMs - 60_000, endMs: atMs, stepMs: 15_000 },
    ]);
  });

  it('lets a test raise a service’s error ratio', async () => {
    exporter.setErrorRatio('search', 0.5);
    expect(() => exporter.setErrorRatio('nope', 0.5)).toThrow(/no service "nope"/);
    const errors = async () =>
      (await client.queryInstant(target, 'http_requests_total{service="search",code="500"}', Date.now()))[0]!.value;
    const before = await errors();
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    // about 50 errors per second now (100 requests/s × 0.5)
    expect((await errors()) - before).toBeGreaterThan(50);
  });
});
