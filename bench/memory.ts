/**
 * Memory benchmark: the resident set (RSS) of the sidecar, a separate process as in production (the Node flags it
 * ships with), on PGlite (a new data directory on disk) and on PostgreSQL. For each database it prints the RSS idle
 * after start, after a phase of Alertmanager webhooks (10 new alerts each) at a fixed 300 per second, and after the
 * same time idle once the load has stopped, with the highest RSS the process reached (VmHWM). `--seconds` shortens
 * the phases (default 60) for a quick run; `--only pglite` or `--only postgres` runs one database.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { TestGrafanaIdentity, type TestUser } from '../pkg/testing/grafana-identity.ts';
import { startSidecarProcess } from '../pkg/testing/processes.ts';
import { ORG_SECRETS, TEST_KEYS } from '../pkg/testing/test-sidecar.ts';
import { sendPaced, webhookBodies } from './webhook-load.ts';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const seconds = Number(args[args.indexOf('--seconds') + 1]) || 60;
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1]!.split(',')) : null;
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** How long the sidecar is left alone after it answers /health before the idle figure is read. */
const SETTLE_MS = 5_000;
const RATE = 300;
const log = (line: string) => {
  if (!asJson) {
    process.stdout.write(`${line}\n`);
  }
};

/** RSS and its high-water mark of a process, in MiB (from /proc: Linux only). */
function memory(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Math.round(Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)![1]) / 1024);
  return { rssMb: field('VmRSS'), peakMb: field('VmHWM') };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const nextBody = webhookBodies('m');

async function measure(name: string, env: Record<string, string>, grafana: TestGrafanaIdentity) {
  const sidecar = await startSidecarProcess({
    GRAFANA_URL: grafana.url,
    ORG_SECRETS: `1=${ORG_SECRETS[1]}`,
    ENCRYPTION_KEYS: TEST_KEYS,
    LOG_LEVEL: 'error',
    INGEST_RATE_LIMIT_PER_PROJECT_PER_SECOND: '1000000',
    ...env,
  });
  try {
    const pid = sidecar.process.pid!;
    await sleep(SETTLE_MS);
    const idle = memory(pid);
    log(`${name} idle after start: RSS ${idle.rssMb} MiB (peak so far ${idle.peakMb} MiB)`);
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
    const created = (await (
      await fetch(`${sidecar.url}/api/v1/ingest-tokens`, {
        method: 'POST',
        headers: { ...(await headers()), 'x-project-id': projects.items[0]!.id },
        body: JSON.stringify({ name: 'bench' }),
      })
    ).json()) as { token: string };
    const paced = await sendPaced(
      `${sidecar.url}/api/v1/webhooks/alertmanager`,
      { authorization: `Bearer ${created.token}` },
      nextBody,
      { rate: RATE, duration: seconds }
    );
    const sent = { sent: RATE * seconds, failed: paced.non2xx + paced.errors };
    const loaded = memory(pid);
    log(
      `${name} after ${seconds} s at ${RATE} webhooks/s: RSS ${loaded.rssMb} MiB (peak ${loaded.peakMb} MiB; ${sent.failed} of ${sent.sent} not 2xx)`
    );
    await sleep(seconds * 1000);
    const after = memory(pid);
    log(`${name} ${seconds} s after the load: RSS ${after.rssMb} MiB (peak ${after.peakMb} MiB)`);
    return { idle, loaded, after, failed: sent.failed };
  } finally {
    await sidecar.stop();
  }
}

async function main() {
  const grafana = await TestGrafanaIdentity.start();
  const dir = mkdtempSync(join(tmpdir(), 'sre-copilot-bench-'));
  const admin = new pg.Client({ connectionString: adminUrl });
  const dbName = `sre_copilot_bench_memory_${process.pid}`;
  const output: Record<string, unknown> = { seconds, rate: RATE };
  try {
    if (only === null || only.has('pglite')) {
      output.pglite = await measure('pglite', { DATA_DIR: dir }, grafana);
    }
    if (only === null || only.has('postgres')) {
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
      await admin.query(`CREATE DATABASE ${dbName}`);
      const dbUrl = new URL(adminUrl);
      dbUrl.pathname = `/${dbName}`;
      try {
        output.postgres = await measure(
          'postgres',
          { DATABASE_URL: dbUrl.toString(), DATABASE_ALLOW_SUPERUSER: 'true' },
          grafana
        );
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      }
    }
  } finally {
    await admin.end().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
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
