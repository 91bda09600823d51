/**
 * Poll capacity: how many PromQL instant queries per minute one sidecar replica gets through the Prometheus client
 * (PrometheusClient.queryInstant: allow-list, timeout, at most 4 in flight per Prometheus, zod parsing) against a
 * real Prometheus 2.42 that scrapes a synthetic exporter with many series, and what each query costs the client in
 * CPU. Two phases: small queries (one series back, what most templates return) and large ones (every series).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { PrometheusClient, type PrometheusTarget } from '../pkg/adapters/prometheus/client.ts';
import { startExporter, startPrometheus } from '../pkg/testing/prometheus.ts';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 && Number(args[at + 1]) > 0 ? Number(args[at + 1]) : fallback;
};
const seconds = option('--seconds', 10);
const SERVICES = option('--services', 500);
/** Callers issuing queries at once; the client lets at most MAX_IN_FLIGHT of them reach Prometheus. */
const CALLERS = 16;
const MAX_IN_FLIGHT = 4;

const log = (line: string) => {
  if (!asJson) {
    process.stdout.write(`${line}\n`);
  }
};

interface Phase {
  queries: number;
  errors: number;
  queriesPerMinute: number;
  cpuMsPerQuery: number;
  seriesPerQuery: number;
  p50Ms: number;
  p99Ms: number;
  maxInFlightSeen: number;
}

/** The exporter runs in its own process so that its CPU is not counted as the client's. */
async function startExporterProcess(services: string[]): Promise<{ address: string; stop(): void }> {
  const child = spawn(process.execPath, [import.meta.filename, '--exporter', String(services.length)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const address = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the exporter exited (${code})`)));
  });
  return { address, stop: () => child.kill('SIGTERM') };
}

async function phase(
  client: PrometheusClient,
  target: PrometheusTarget,
  expr: (n: number) => string,
  ms: number
): Promise<Phase> {
  let queries = 0;
  let errors = 0;
  let series = 0;
  let maxInFlightSeen = 0;
  const latencies: number[] = [];
  const deadline = performance.now() + ms;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let n = 0;
  const caller = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const samples = await client.queryInstant(target, expr(n++), Date.now());
        series += samples.length;
        queries++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
      maxInFlightSeen = Math.max(maxInFlightSeen, client.inFlight(target.baseUrl));
    }
  };
  await Promise.all(Array.from({ length: CALLERS }, caller));
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(1));
  return {
    queries,
    errors,
    queriesPerMinute: Math.round((queries / elapsed) * 60_000),
    cpuMsPerQuery: Number(((used.user + used.system) / 1000 / Math.max(1, queries)).toFixed(3)),
    seriesPerQuery: Math.round(series / Math.max(1, queries)),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxInFlightSeen,
  };
}

async function main() {
  const services = Array.from({ length: SERVICES }, (_, i) => `svc-${i}`);
  const exporter = await startExporterProcess(services);
  const prometheus = await startPrometheus({ scrapeTargets: [exporter.address], scrapeIntervalSeconds: 1 }).catch(
    (error: unknown) => {
      exporter.stop();
      throw error;
    }
  );
  const client = new PrometheusClient({
    allowedHosts: [`127.0.0.1:${prometheus.port}`],
    timeoutMs: 10_000,
    maxInFlightPerTarget: MAX_IN_FLIGHT,
  });
  try {
    // a few scrapes, so that rate() over 30 s has points
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const target: PrometheusTarget = { id: 'bench', name: 'bench', baseUrl: `${prometheus.url}/`, headers: {} };
    const small = (n: number) => `sum(rate(http_requests_total{service="svc-${n % SERVICES}",code="500"}[30s]))`;
    const large = () => 'sum by (service, code) (rate(http_requests_total[30s]))';
    await phase(client, target, small, 1_000); // warm-up
    log(
      `Prometheus 2.42 scraping ${SERVICES * 2} series every 1 s; ${CALLERS} callers, at most ${MAX_IN_FLIGHT} queries in flight`
    );
    const smallResult = await phase(client, target, small, seconds * 1000);
    log(
      `small queries (1 series):        ${smallResult.queriesPerMinute.toLocaleString('en')} queries/min, ` +
        `${smallResult.cpuMsPerQuery} ms client CPU per query, p50 ${smallResult.p50Ms} ms, p99 ${smallResult.p99Ms} ms, ` +
        `errors ${smallResult.errors}, max in flight ${smallResult.maxInFlightSeen}`
    );
    const largeResult = await phase(client, target, large, seconds * 1000);
    log(
      `large queries (${largeResult.seriesPerQuery} series):  ${largeResult.queriesPerMinute.toLocaleString('en')} queries/min, ` +
        `${largeResult.cpuMsPerQuery} ms client CPU per query, p50 ${largeResult.p50Ms} ms, p99 ${largeResult.p99Ms} ms, ` +
        `errors ${largeResult.errors}, max in flight ${largeResult.maxInFlightSeen}`
    );
    const goals = { queriesPerMinute: 6_000, cpuMsPerSmallQuery: 0.5 };
    log(
      `goals: ≥ ${goals.queriesPerMinute.toLocaleString('en')} queries/min (${smallResult.queriesPerMinute >= goals.queriesPerMinute ? 'met' : 'NOT met'}), ` +
        `≤ ${goals.cpuMsPerSmallQuery} ms CPU per small query (${smallResult.cpuMsPerQuery <= goals.cpuMsPerSmallQuery ? 'met' : 'NOT met'})`
    );
    if (asJson) {
      process.stdout.write(
        `${JSON.stringify({ series: SERVICES * 2, callers: CALLERS, maxInFlight: MAX_IN_FLIGHT, seconds, small: smallResult, large: largeResult, goals }, null, 2)}\n`
      );
    }
  } finally {
    client.close();
    await prometheus.stop();
    exporter.stop();
  }
}

if (args[0] === '--exporter') {
  const count = Number(args[1]);
  const exporter = await startExporter({
    services: Array.from({ length: count }, (_, i) => `svc-${i}`),
    requestsPerSecond: 50,
    errorRatio: 0.02,
  });
  process.stdout.write(`${exporter.address}\n`);
  process.on('SIGTERM', () => void exporter.stop().then(() => process.exit(0)));
} else {
  await main();
}
