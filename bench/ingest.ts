/**
 * Ingest benchmark: Alertmanager v4 webhooks of 10 alerts each (every alert new: rotating fingerprints), sent to
 * the sidecar (a separate process, PGlite and PostgreSQL) and, with the same load generator in the same run, to
 * Alertmanager 0.25's own POST /api/v2/alerts with the same 10 alerts. For each target: the highest sustained
 * rate (closed loop, many connections), latency at a fixed 300 requests/s, and (sidecar) how fast overload is
 * refused with 503. Each answer of the sidecar is sent after its signals are committed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { alertmanagerPayload } from '../pkg/testing/alert-payloads.ts';
import { TestGrafanaIdentity, type TestUser } from '../pkg/testing/grafana-identity.ts';
import { startAlertmanager, startSidecarProcess } from '../pkg/testing/processes.ts';
import { ORG_SECRETS, TEST_KEYS } from '../pkg/testing/test-sidecar.ts';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const seconds = Number(args[args.indexOf('--seconds') + 1]) || 10;
/** Concurrent deliveries of the closed-loop throughput phase (each connection sends its next webhook when answered). */
const CONNECTIONS = Number(args[args.indexOf('--connections') + 1]) || 256;
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const log = (line: string) => {
  if (!asJson) {
    process.stdout.write(`${line}\n`);
  }
};

interface Figures {
  requestsPerSecond: number;
  alertsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

let counter = 0;
const nextBody = () => {
  const n = counter++;
  return JSON.stringify(
    alertmanagerPayload(
      Array.from({ length: 10 }, (_, i) => ({ name: `Load${i}`, service: `svc-${(n + i) % 20}`, fingerprint: `b${n}-${i}` })),
      `{}:{service="svc-${n % 20}"}`
    )
  );
};
const nextAlertmanagerBody = () => {
  const n = counter++;
  const now = new Date().toISOString();
  return JSON.stringify(
    Array.from({ length: 10 }, (_, i) => ({
      labels: { alertname: `Load${i}`, service: `svc-${(n + i) % 20}`, instance: `b${n}-${i}`, severity: 'critical' },
      annotations: { summary: `Load${i}` },
      startsAt: now,
      generatorURL: 'http://prometheus:9090/graph',
    }))
  );
};

async function load(url: string, headers: Record<string, string>, body: () => string, options: { connections: number; rate?: number; duration: number }): Promise<Figures> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: options.connections,
    duration: options.duration,
    ...(options.rate ? { overallRate: options.rate } : {}),
    headers: { 'content-type': 'application/json', ...headers },
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
  });
  // Accepted deliveries only: a 503 is not throughput.
  const rps = (result.requests.total - result.non2xx) / options.duration;
  return {
    requestsPerSecond: Math.round(rps),
    alertsPerSecond: Math.round(rps * 10),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/**
 * Floods the sidecar far beyond its queue (128 connections against a queue of 16 deliveries): most answers are
 * 503, and their latency is what a sender waits to learn it must retry.
 */
async function overload(url: string, token: string): Promise<{ requests: number; refusedShare: number; p50Ms: number; p99Ms: number }> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: 128,
    duration: 3,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    requests: [{ setupRequest: (req) => ({ ...req, body: nextBody() }) }],
  });
  return {
    requests: result.requests.total,
    refusedShare: Number((result.non2xx / Math.max(1, result.requests.total)).toFixed(2)),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

async function sidecarTarget(name: string, env: Record<string, string>, grafana: TestGrafanaIdentity, measure = true) {
  const sidecar = await startSidecarProcess({
    GRAFANA_URL: grafana.url,
    ORG_SECRETS: `1=${ORG_SECRETS[1]}`,
    ENCRYPTION_KEYS: TEST_KEYS,
    LOG_LEVEL: 'error',
    INGEST_RATE_LIMIT_PER_PROJECT_PER_SECOND: '1000000',
    ...env,
  });
  try {
    const admin: TestUser = { orgId: 1, userId: 1, login: 'admin', orgRole: 'Admin', teams: [100] };
    const headers = async () => ({
      'x-sre-copilot-secret': ORG_SECRETS[1],
      'x-grafana-id': await grafana.idToken(admin),
      'x-grafana-context': grafana.context(admin),
      'content-type': 'application/json',
    });
    const projects = (await (await fetch(`${sidecar.url}/api/v1/projects`, { headers: await headers() })).json()) as { items: Array<{ id: string }> };
    const projectId = projects.items[0]!.id;
    const created = (await (
      await fetch(`${sidecar.url}/api/v1/ingest-tokens`, {
        method: 'POST',
        headers: { ...(await headers()), 'x-project-id': projectId },
        body: JSON.stringify({ name: 'bench' }),
      })
    ).json()) as { token: string };
    const url = `${sidecar.url}/api/v1/webhooks/alertmanager`;
    const auth = { authorization: `Bearer ${created.token}` };
    await load(url, auth, nextBody, { connections: 8, duration: 2 }); // warm-up
    if (!measure) {
      return { sustained: null, at300: null, token: created.token, url, sidecar };
    }
    // Latency at a moderate fixed rate first, on a database that has not just absorbed a flood.
    const at300 = await load(url, auth, nextBody, { connections: 16, rate: 300, duration: seconds });
    log(`${name} at 300/s: p50 ${at300.p50Ms} ms, p99 ${at300.p99Ms} ms, non-2xx ${at300.non2xx}`);
    const sustained = await load(url, auth, nextBody, { connections: CONNECTIONS, duration: seconds });
    log(`${name}: ${sustained.requestsPerSecond} webhooks/s (${sustained.alertsPerSecond} alerts/s), p50 ${sustained.p50Ms} ms, p99 ${sustained.p99Ms} ms, non-2xx ${sustained.non2xx}`);
    return { sustained, at300, token: created.token, url, sidecar };
  } catch (error) {
    await sidecar.stop();
    throw error;
  }
}

async function main() {
  const grafana = await TestGrafanaIdentity.start();
  const dir = mkdtempSync(join(tmpdir(), 'sre-copilot-bench-'));
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const dbName = `sre_copilot_bench_${process.pid}`;
  await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  const output: Record<string, unknown> = { seconds, alertsPerWebhook: 10 };
  try {
    const am = await startAlertmanager();
    try {
      await load(`${am.url}/api/v2/alerts`, {}, nextAlertmanagerBody, { connections: 8, duration: 2 });
      const at300 = await load(`${am.url}/api/v2/alerts`, {}, nextAlertmanagerBody, { connections: 16, rate: 300, duration: seconds });
      log(`alertmanager at 300/s: p50 ${at300.p50Ms} ms, p99 ${at300.p99Ms} ms`);
      const sustained = await load(`${am.url}/api/v2/alerts`, {}, nextAlertmanagerBody, { connections: CONNECTIONS, duration: seconds });
      log(`alertmanager: ${sustained.requestsPerSecond} requests/s (${sustained.alertsPerSecond} alerts/s), p50 ${sustained.p50Ms} ms, p99 ${sustained.p99Ms} ms`);
      output.alertmanager = { sustained, at300 };
    } finally {
      await am.stop();
    }
    for (const [name, env] of [
      ['pglite', { DATA_DIR: dir }],
      ['postgres', { DATABASE_URL: dbUrl.toString() }],
    ] as const) {
      const target = await sidecarTarget(name, env, grafana);
      try {
        const ratio = target.sustained!.requestsPerSecond / (output.alertmanager as { sustained: Figures }).sustained.requestsPerSecond;
        output[name] = { sustained: target.sustained, at300: target.at300, ratioToAlertmanager: Number(ratio.toFixed(2)) };
      } finally {
        await target.sidecar.stop();
      }
    }
    // Overload: a small queue, far more concurrent deliveries than it takes.
    const small = await sidecarTarget('pglite-overload', { DATA_DIR: mkdtempSync(join(tmpdir(), 'sre-copilot-bench-')), INGEST_MAX_QUEUE: '16' }, grafana, false);
    try {
      const refused = await overload(small.url, small.token);
      log(`overload: ${refused.requests} requests, ${Math.round(refused.refusedShare * 100)}% answered 503; all answers p50 ${refused.p50Ms} ms, p99 ${refused.p99Ms} ms`);
      output.overload = refused;
    } finally {
      await small.sidecar.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    await grafana.close();
  }
  if (asJson) {
    process.stdout.write(`${JSON.stringify(output)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
