/**
 * Ingest benchmark: Alertmanager v4 webhooks of 10 alerts each (every alert new: rotating fingerprints), sent to
 * the sidecar (a separate process, PGlite and PostgreSQL) and, with the same load generator in the same run, to
 * Alertmanager 0.25's own POST /api/v2/alerts with the same 10 alerts. For each target: the highest sustained
 * rate (closed loop, many connections), latency at a fixed 300 requests/s (open loop: evenly spaced sends, each
 * latency counted from when the request was due, so a stall delays the count of every request it holds up), and
 * (sidecar) how fast overload is refused with 503. Each answer of the sidecar is sent after its signals are committed.
 * Besides rates and latencies, each phase reports the CPU time the target spent per accepted request (the sidecar
 * process, plus the PostgreSQL backends of its database): on a busy machine the rates move with the neighbours, the
 * CPU per request much less, so it is the figure to compare two versions by.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { alertmanagerPayload } from '../pkg/testing/alert-payloads.ts';
import { TestGrafanaIdentity, type TestUser } from '../pkg/testing/grafana-identity.ts';
import { startAlertmanager, startSidecarProcess } from '../pkg/testing/processes.ts';
import { ORG_SECRETS, TEST_KEYS } from '../pkg/testing/test-sidecar.ts';
import { sendPaced, webhookBodies } from './webhook-load.ts';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const seconds = Number(args[args.indexOf('--seconds') + 1]) || 10;
/** Concurrent deliveries of the closed-loop throughput phase (each connection sends its next webhook when answered). */
const CONNECTIONS = Number(args[args.indexOf('--connections') + 1]) || 256;
/** `--only postgres,pglite`: run these only (floor, alertmanager, pglite, postgres, overload); all by default. */
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1]!.split(',')) : null;
const runs = (target: string) => only === null || only.has(target);
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
  /** CPU milliseconds per accepted request: the target's process, and the database server's backends. */
  cpuMsPerRequest?: { process: number; database: number };
}

/** Where a target's CPU time is read: its process, and the database server processes serving it. */
interface CpuSource {
  pid: number;
  databasePids?: () => Promise<number[]>;
}

const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux
/** User + system CPU milliseconds of processes so far (0 where /proc is not there). */
function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone, or not Linux
    }
  }
  return ticks * CLOCK_TICK_MS;
}

const nextBody = webhookBodies('b');
let counter = 0;
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

/**
 * Starts counting the CPU time of a target (its process and database backends); the returned function gives it per
 * accepted request since then (undefined without a source).
 */
async function cpuMeter(source: CpuSource | undefined): Promise<(accepted: number) => Figures['cpuMsPerRequest']> {
  if (!source) {
    return () => undefined;
  }
  const databasePids = (await source.databasePids?.()) ?? [];
  const process = cpuMs([source.pid]);
  const database = cpuMs(databasePids);
  return (accepted) => {
    const perRequest = (ms: number) => Number((ms / Math.max(1, accepted)).toFixed(2));
    return { process: perRequest(cpuMs([source.pid]) - process), database: perRequest(cpuMs(databasePids) - database) };
  };
}

async function load(
  url: string,
  headers: Record<string, string>,
  body: () => string,
  options: { connections: number; duration: number; cpu?: CpuSource }
): Promise<Figures> {
  const cpuPerRequest = await cpuMeter(options.cpu);
  const result = await autocannon({
    url,
    method: 'POST',
    connections: options.connections,
    duration: options.duration,
    headers: { 'content-type': 'application/json', ...headers },
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
  });
  // Accepted deliveries only: a 503 is not throughput.
  const accepted = result.requests.total - result.non2xx;
  const rps = accepted / options.duration;
  const cpu = cpuPerRequest(accepted);
  return {
    requestsPerSecond: Math.round(rps),
    alertsPerSecond: Math.round(rps * 10),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    ...(cpu ? { cpuMsPerRequest: cpu } : {}),
  };
}

/**
 * Open-loop load at a fixed rate: request i is due at start + i / rate whatever happened to the earlier ones (a
 * closed-loop generator waits for answers and so hides a slow target's queue), sent on keep-alive connections (more
 * are opened when all are busy), its latency counted from when it was due. autocannon's own rate option sends each
 * second's quota as fast as it can at the start of the second, which measures a burst, not a rate.
 */
async function paced(
  url: string,
  headers: Record<string, string>,
  body: () => string,
  options: { rate: number; duration: number; cpu?: CpuSource }
): Promise<Figures> {
  const cpuPerRequest = await cpuMeter(options.cpu);
  const { latencies, non2xx, errors } = await sendPaced(url, headers, body, options);
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Number((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? 0).toFixed(1));
  const accepted = latencies.length;
  const rps = accepted / options.duration;
  const cpu = cpuPerRequest(accepted);
  return {
    requestsPerSecond: Math.round(rps),
    alertsPerSecond: Math.round(rps * 10),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    errors,
    non2xx,
    ...(cpu ? { cpuMsPerRequest: cpu } : {}),
  };
}

const cpuText = (f: Figures) =>
  f.cpuMsPerRequest
    ? `; CPU ${f.cpuMsPerRequest.process} ms/request${f.cpuMsPerRequest.database ? ` + database ${f.cpuMsPerRequest.database} ms` : ''}`
    : '';

/**
 * Floods the sidecar far beyond its queue (128 connections against a queue of 16 deliveries): most answers are
 * 503, and their latency is what a sender waits to learn it must retry.
 */
async function overload(url: string, token: string) {
  // The goal is about the refusals: how long a sender waits to learn it must retry.
  const refused: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        connections: 128,
        duration: 3,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        requests: [{ setupRequest: (req) => ({ ...req, body: nextBody() }) }],
      },
      (error, done) => (error ? reject(error) : resolve(done))
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode === 503) {
        refused.push(responseTime);
      }
    });
  });
  refused.sort((a, b) => a - b);
  const refusedAt = (q: number) =>
    Number((refused[Math.min(refused.length - 1, Math.floor(refused.length * q))] ?? 0).toFixed(1));
  return {
    requests: result.requests.total,
    refusedShare: Number((result.non2xx / Math.max(1, result.requests.total)).toFixed(2)),
    refusedP50Ms: refusedAt(0.5),
    refusedP99Ms: refusedAt(0.99),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

async function sidecarTarget(
  name: string,
  env: Record<string, string>,
  grafana: TestGrafanaIdentity,
  options: { measure?: boolean; databasePids?: () => Promise<number[]> } = {}
) {
  const measure = options.measure ?? true;
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
    const projects = (await (await fetch(`${sidecar.url}/api/v1/projects`, { headers: await headers() })).json()) as {
      items: Array<{ id: string }>;
    };
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
    const cpu = { pid: sidecar.process.pid!, databasePids: options.databasePids };
    // Latency at a moderate fixed rate first, on a database that has not just absorbed a flood.
    const at300 = await paced(url, auth, nextBody, { rate: 300, duration: seconds, cpu });
    log(
      `${name} at 300/s: p50 ${at300.p50Ms} ms, p99 ${at300.p99Ms} ms (goal ≤ 25 ms), non-2xx ${at300.non2xx}${cpuText(at300)}`
    );
    const sustained = await load(url, auth, nextBody, { connections: CONNECTIONS, duration: seconds, cpu });
    log(
      `${name}: ${sustained.requestsPerSecond} webhooks/s (${sustained.alertsPerSecond} alerts/s), p50 ${sustained.p50Ms} ms, p99 ${sustained.p99Ms} ms, non-2xx ${sustained.non2xx}${cpuText(sustained)}`
    );
    return { sustained, at300, token: created.token, url, sidecar };
  } catch (error) {
    await sidecar.stop();
    throw error;
  }
}

/** A server that reads each request and answers 200 at once, in a process of its own (as the targets are). */
async function echoServer(): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => res.end('{}')); })
         .listen(0, '127.0.0.1', function () { process.stdout.write(String(this.address().port) + '\\n'); });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] }
  );
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', () => reject(new Error('the echo server exited')));
  });
  return { url: `http://127.0.0.1:${port}/`, process: child };
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
    if (runs('floor')) {
      // The generator's own floor: the same open-loop phase against a server that answers at once, in a process of
      // its own. Latencies of the targets below it are the generator's, not theirs.
      const floor = await echoServer();
      try {
        await paced(floor.url, {}, nextBody, { rate: 300, duration: 2 }); // warm-up of the generator itself
        const at300 = await paced(floor.url, {}, nextBody, { rate: 300, duration: Math.min(seconds, 5) });
        log(
          `load generator floor at 300/s (a server that answers at once): p50 ${at300.p50Ms} ms, p99 ${at300.p99Ms} ms`
        );
        output.generatorFloor = { at300 };
      } finally {
        floor.process.kill();
      }
    }
    if (runs('alertmanager')) {
      const am = await startAlertmanager();
      try {
        const cpu = { pid: am.process.pid! };
        await load(`${am.url}/api/v2/alerts`, {}, nextAlertmanagerBody, { connections: 8, duration: 2 });
        const at300 = await paced(`${am.url}/api/v2/alerts`, {}, nextAlertmanagerBody, {
          rate: 300,
          duration: seconds,
          cpu,
        });
        log(`alertmanager at 300/s: p50 ${at300.p50Ms} ms, p99 ${at300.p99Ms} ms${cpuText(at300)}`);
        const sustained = await load(`${am.url}/api/v2/alerts`, {}, nextAlertmanagerBody, {
          connections: CONNECTIONS,
          duration: seconds,
          cpu,
        });
        log(
          `alertmanager: ${sustained.requestsPerSecond} requests/s (${sustained.alertsPerSecond} alerts/s), p50 ${sustained.p50Ms} ms, p99 ${sustained.p99Ms} ms${cpuText(sustained)}`
        );
        output.alertmanager = { sustained, at300 };
      } finally {
        await am.stop();
      }
    }
    // The PostgreSQL backends serving the bench database (the sidecar's pool is full by the measured phases).
    const databasePids = async () =>
      (await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [dbName])).rows.map(
        (r) => r.pid
      );
    for (const [name, env] of [
      ['pglite', { DATA_DIR: dir }],
      ['postgres', { DATABASE_URL: dbUrl.toString(), DATABASE_ALLOW_SUPERUSER: 'true' }],
    ] as const) {
      if (!runs(name)) {
        continue;
      }
      // What the previous target wrote is flushed to disk first, so that its writeback does not land in this one's
      // measurement (commits wait for their own flush to disk, behind the others').
      execFileSync('sync');
      const target = await sidecarTarget(name, env, grafana, name === 'postgres' ? { databasePids } : {});
      try {
        const reference = (output.alertmanager as { sustained: Figures } | undefined)?.sustained.requestsPerSecond;
        output[name] = {
          sustained: target.sustained,
          at300: target.at300,
          ...(reference
            ? { ratioToAlertmanager: Number((target.sustained!.requestsPerSecond / reference).toFixed(2)) }
            : {}),
        };
      } finally {
        await target.sidecar.stop();
      }
    }
    // Overload: a small queue, far more concurrent deliveries than it takes.
    if (runs('overload')) {
      const small = await sidecarTarget(
        'pglite-overload',
        { DATA_DIR: mkdtempSync(join(tmpdir(), 'sre-copilot-bench-')), INGEST_MAX_QUEUE: '16' },
        grafana,
        {
          measure: false,
        }
      );
      try {
        const refused = await overload(small.url, small.token);
        log(
          `overload: ${refused.requests} requests, ${Math.round(refused.refusedShare * 100)}% answered 503 (those in p50 ${refused.refusedP50Ms} ms, p99 ${refused.refusedP99Ms} ms; goal ≤ 50 ms); all answers p50 ${refused.p50Ms} ms, p99 ${refused.p99Ms} ms`
        );
        output.overload = refused;
      } finally {
        await small.sidecar.stop();
      }
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
