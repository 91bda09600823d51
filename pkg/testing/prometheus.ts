import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { freePort, stopChild, waitFor } from './processes.ts';
import { mulberry32 } from './random.ts';

export const PROMETHEUS_BINARY = process.env.PROMETHEUS_BINARY ?? '/usr/bin/prometheus';
export const PROMTOOL_BINARY = process.env.PROMTOOL_BINARY ?? '/usr/bin/promtool';

export interface LoggedQuery {
  query: string;
  /** Instant queries: the evaluation time. */
  timeMs?: number;
  /** Range queries. */
  startMs?: number;
  endMs?: number;
  stepMs?: number;
}

export interface RunningPrometheus {
  url: string;
  port: number;
  /** Every query Prometheus ran, in order, from its query log (needs `queryLog: true`). */
  queryLog(): Promise<LoggedQuery[]>;
  stop(): Promise<void>;
}

// One line of Prometheus' query log (`global.query_log_file`).
const queryLogLine = z.object({
  params: z.object({
    query: z.string(),
    start: z.string().optional(),
    end: z.string().optional(),
    step: z.number().optional(),
  }),
});

const targetsAnswer = z.object({
  data: z.object({ activeTargets: z.array(z.object({ lastScrape: z.string() })) }),
});

/**
 * A real Prometheus (Debian's 2.42) on a free port with its own temp dir. It scrapes `scrapeTargets` (job `app`),
 * can log every query it runs, and can start with history loaded from OpenMetrics text (`promtool tsdb
 * create-blocks-from openmetrics`).
 */
export async function startPrometheus(
  options: { scrapeTargets?: string[]; scrapeIntervalSeconds?: number; queryLog?: boolean; backfill?: string } = {}
): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'sre-copilot-prometheus-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'query.log');
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
    const targets = options.scrapeTargets ?? [];
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        `  scrape_interval: ${interval}`,
        `  evaluation_interval: ${interval}`,
        ...(options.queryLog ? [`  query_log_file: ${JSON.stringify(logFile)}`] : []),
        'scrape_configs:',
        '  - job_name: app',
        ...(targets.length
          ? ['    static_configs:', `      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`]
          : []),
        '',
      ].join('\n')
    );
    if (options.backfill !== undefined) {
      const input = join(dir, 'backfill.om');
      writeFileSync(input, options.backfill);
      // One pass over the input per block: large blocks keep big histories fast to load.
      await promisify(execFile)(
        PROMTOOL_BINARY,
        ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=168h', input, dataDir],
        {
          maxBuffer: 16 * 1024 * 1024,
        }
      ).catch((error: { stderr?: string; message: string }) => {
        throw new Error(`promtool could not load the backfill: ${(error.stderr ?? error.message).slice(-2000)}`, {
          cause: error,
        });
      });
    }
  } catch (error) {
    remove();
    throw error;
  }

  const port = await freePort();
  let output = '';
  const child = spawn(
    PROMETHEUS_BINARY,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=60d',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  );
  child.stdout!.on('data', (chunk) => (output = (output + chunk).slice(-20_000)));
  child.stderr!.on('data', (chunk) => (output = (output + chunk).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child);
    remove();
  };
  try {
    await waitFor(async () => (await fetch(`${url}/-/ready`)).ok, 30_000, 'Prometheus to be ready');
    if (options.scrapeTargets?.length) {
      // Service discovery hands targets to the scrapers after ~5 s: wait until every target was scraped once.
      const expected = options.scrapeTargets.length;
      await waitFor(
        async () => {
          const { data } = targetsAnswer.parse(await (await fetch(`${url}/api/v1/targets?state=active`)).json());
          return (
            data.activeTargets.length === expected && data.activeTargets.every((t) => !t.lastScrape.startsWith('0001-'))
          );
        },
        30_000,
        'Prometheus to scrape its targets'
      );
    }
  } catch (error) {
    await stop();
    throw new Error(`prometheus did not start: ${output.slice(-2000)}`, { cause: error });
  }

  return {
    url,
    port,
    async queryLog() {
      if (!options.queryLog) {
        throw new Error('start Prometheus with queryLog: true to read its query log');
      }
      if (!existsSync(logFile)) {
        return [];
      }
      const entries: LoggedQuery[] = [];
      for (const line of readFileSync(logFile, 'utf8').split('\n')) {
        if (!line.trim()) {
          continue;
        }
        const { params } = queryLogLine.parse(JSON.parse(line));
        const start = params.start ? Date.parse(params.start) : undefined;
        const end = params.end ? Date.parse(params.end) : undefined;
        if (!params.step) {
          entries.push({ query: params.query, ...(end === undefined ? {} : { timeMs: end }) });
        } else {
          entries.push({ query: params.query, startMs: start, endMs: end, stepMs: params.step * 1000 });
        }
      }
      return entries;
    },
    stop,
  };
}

export interface RunningExporter {
  /** `host:port`, to put in `scrapeTargets`. */
  address: string;
  setErrorRatio(service: string, ratio: number): void;
  stop(): Promise<void>;
}

/**
 * An HTTP server with `/metrics`: `http_requests_total{service, code="200"|"500"}` counters that grow with wall
 * time at `requestsPerSecond` per service, `errorRatio` of them with code 500.
 */
export async function startExporter(
  options: { services?: string[]; requestsPerSecond?: number; errorRatio?: number } = {}
): Promise<RunningExporter> {
  const services = options.services ?? ['checkout', 'payments', 'search'];
  const rps = options.requestsPerSecond ?? 10;
  const state = new Map(
    services.map((service) => [service, { ok: 0, errors: 0, ratio: options.errorRatio ?? 0.01, atMs: Date.now() }])
  );
  const advance = (nowMs: number) => {
    for (const s of state.values()) {
      const requests = (rps * Math.max(0, nowMs - s.atMs)) / 1000;
      s.errors += requests * s.ratio;
      s.ok += requests * (1 - s.ratio);
      s.atMs = nowMs;
    }
  };
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    advance(Date.now());
    const lines = ['# HELP http_requests_total Requests handled.', '# TYPE http_requests_total counter'];
    for (const [service, s] of state) {
      const name = JSON.stringify(service);
      lines.push(`http_requests_total{service=${name},code="200"} ${Math.floor(s.ok)}`);
      lines.push(`http_requests_total{service=${name},code="500"} ${Math.floor(s.errors)}`);
    }
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    setErrorRatio(service, ratio) {
      const s = state.get(service);
      if (!s) {
        throw new Error(`the exporter has no service "${service}"`);
      }
      advance(Date.now());
      s.ratio = ratio;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * OpenMetrics text with the exporter's counters over the `hours` before `endMs`, one sample per `stepSeconds`,
 * so that rate() over history gives a noisy but steady baseline. `noise` (default 0.1) is the relative spread of the
 * per-step rate; `seed` makes it repeatable. `labels` are added to every series (e.g. the job and instance the live
 * exporter is scraped under). Ends with `# EOF`.
 */
export function syntheticHistory(options: {
  services: string[];
  hours: number;
  endMs: number;
  stepSeconds: number;
  requestsPerSecond: number;
  errorRatio: number;
  noise?: number;
  seed?: number;
  labels?: Record<string, string>;
}): string {
  const random = mulberry32(options.seed ?? 1);
  const noise = options.noise ?? 0.1;
  const stepMs = options.stepSeconds * 1000;
  const endMs = Math.floor(options.endMs / 1000) * 1000;
  const steps = Math.floor((options.hours * 3_600_000) / stepMs);
  const extra = Object.entries(options.labels ?? {})
    .map(([k, v]) => `,${k}=${JSON.stringify(v)}`)
    .join('');
  const totals = options.services.map(() => ({ ok: 0, errors: 0 }));
  const names = options.services.map((s) => JSON.stringify(s));
  const out: string[] = ['# HELP http_requests Requests handled.', '# TYPE http_requests counter'];
  for (let i = steps; i >= 0; i--) {
    const t = (endMs - i * stepMs) / 1000;
    for (let s = 0; s < totals.length; s++) {
      const total = totals[s]!;
      const rate = Math.max(0, options.requestsPerSecond * (1 + noise * gaussian(random)));
      const ratio = Math.min(1, Math.max(0, options.errorRatio * (1 + noise * gaussian(random))));
      if (i !== steps) {
        total.errors += rate * options.stepSeconds * ratio;
        total.ok += rate * options.stepSeconds * (1 - ratio);
      }
      out.push(`http_requests_total{service=${names[s]},code="200"${extra}} ${Math.floor(total.ok)} ${t}`);
      out.push(`http_requests_total{service=${names[s]},code="500"${extra}} ${Math.floor(total.errors)} ${t}`);
    }
  }
  out.push('# EOF', '');
  return out.join('\n');
}

/** Standard normal (Box–Muller). */
function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export interface ScrapedServices {
  exporter: RunningExporter;
  prometheus: RunningPrometheus;
  stop(): Promise<void>;
}

/**
 * An exporter with HTTP services at `requestsPerSecond` and `errorRatio`, scraped every second by a Prometheus
 * that logs its queries and starts with `historyHours` of the same series (noisy, ending two minutes ago), so that
 * the poller warms its baselines from history on first sight.
 */
export async function startScrapedServices(options: {
  services: string[];
  requestsPerSecond: number;
  errorRatio: number;
  historyHours: number;
}): Promise<ScrapedServices> {
  const exporter = await startExporter(options);
  try {
    const prometheus = await startPrometheus({
      scrapeTargets: [exporter.address],
      scrapeIntervalSeconds: 1,
      queryLog: true,
      backfill: syntheticHistory({
        services: options.services,
        hours: options.historyHours,
        endMs: Date.now() - 120_000,
        stepSeconds: 5,
        requestsPerSecond: options.requestsPerSecond,
        errorRatio: options.errorRatio,
        noise: 0.1,
        labels: { job: 'app', instance: exporter.address },
      }),
    });
    return {
      exporter,
      prometheus,
      async stop() {
        await prometheus.stop();
        await exporter.stop();
      },
    };
  } catch (error) {
    await exporter.stop();
    throw error;
  }
}
