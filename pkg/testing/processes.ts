import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Stops a child process with SIGTERM and waits for it to exit (nothing to do if it has exited already). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

export interface RunningProcess {
  url: string;
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts a binary with its own temp dir and stops it (and removes the dir) on `stop()`. */
async function startBinary(
  binary: string,
  args: (dir: string, port: number) => string[],
  files: (dir: string, port: number) => Record<string, string>,
  readyPath: string
): Promise<RunningProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'sre-copilot-proc-'));
  const port = await freePort();
  for (const [name, content] of Object.entries(files(dir, port))) {
    writeFileSync(join(dir, name), content);
  }
  let output = '';
  const child = spawn(binary, args(dir, port), { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => (await fetch(`${url}${readyPath}`)).ok, 20_000, `${binary} to be ready`);
  } catch (error) {
    await stop();
    throw new Error(`${binary} did not start: ${output.slice(-2000)}`, { cause: error });
  }
  return { url, process: child, output: () => output, stop };
}

export const ALERTMANAGER_BINARY = process.env.ALERTMANAGER_BINARY ?? '/usr/bin/prometheus-alertmanager';

/** A real Alertmanager (Debian's 0.25) whose one receiver is a webhook to `webhookUrl` with a bearer token. */
export function startAlertmanager(options: { webhookUrl?: string; bearerToken?: string; groupBy?: string[] } = {}) {
  const receiver = options.webhookUrl
    ? `  - name: sidecar
    webhook_configs:
      - url: ${options.webhookUrl}
        send_resolved: true
        max_alerts: 0
        http_config:
          authorization:
            type: Bearer
            credentials: ${options.bearerToken ?? ''}
`
    : `  - name: sidecar
`;
  return startBinary(
    ALERTMANAGER_BINARY,
    (dir, port) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    () => ({
      'alertmanager.yml': `route:
  receiver: sidecar
  group_by: [${(options.groupBy ?? ['service']).map((g) => `'${g}'`).join(', ')}]
  group_wait: 200ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
${receiver}`,
    }),
    '/-/ready'
  );
}

/**
 * The Node flags the sidecar runs with (`npm start`, docker-compose.yaml): a small young generation, whose frequent
 * scavenges pause for a millisecond or two instead of ten (docs/operations.md).
 */
export const SIDECAR_NODE_FLAGS = ['--max-semi-space-size=4'];

/**
 * The sidecar as its own process (`node pkg/main.ts` with `SIDECAR_NODE_FLAGS`), for multi-replica and crash tests
 * and the benchmarks; `SIDECAR_NODE_ARGS` adds Node flags (e.g. `--cpu-prof` to profile a benchmark's sidecar).
 */
export async function startSidecarProcess(env: Record<string, string>): Promise<RunningProcess & { port: number }> {
  const port = await freePort();
  let output = '';
  const extra = process.env.SIDECAR_NODE_ARGS ? process.env.SIDECAR_NODE_ARGS.split(' ') : [];
  const child = spawn(process.execPath, [...SIDECAR_NODE_FLAGS, ...extra, 'pkg/main.ts'], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopChild(child);
  try {
    await waitFor(async () => (await fetch(`${url}/health`)).ok, 30_000, 'the sidecar process to be ready');
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`sidecar process did not start: ${output.slice(-2000)}`, { cause: error });
  }
  return { url, port, process: child, output: () => output, stop };
}

/** Several sidecar processes started at once (as replicas start); if one fails, the others are stopped too. */
export async function startSidecarProcesses(
  count: number,
  env: Record<string, string>
): Promise<Array<RunningProcess & { port: number }>> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startSidecarProcess(env)));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    throw failed.reason;
  }
  return started.map((s) => (s as PromiseFulfilledResult<RunningProcess & { port: number }>).value);
}
