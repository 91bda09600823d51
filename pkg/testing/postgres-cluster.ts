import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './processes.ts';

/** The directory of PostgreSQL's server binaries (initdb, pg_ctl): POSTGRES_BIN, else the newest Debian install. */
export function postgresBinDir(): string | null {
  const candidates = process.env.POSTGRES_BIN
    ? [process.env.POSTGRES_BIN]
    : existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .filter((version) => /^\d+$/.test(version))
          .sort((a, b) => Number(b) - Number(a))
          .map((version) => join('/usr/lib/postgresql', version, 'bin'))
      : [];
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) ?? null;
}

export interface PostgresCluster {
  /** The connection URL of a database owned by a login role that is no superuser (as deployments should run). */
  url: string;
  /** Stops the server at once (fast shutdown: open connections are terminated with 57P01). */
  stop(): Promise<void>;
  /** Starts the stopped server again, with the same data. */
  start(): Promise<void>;
  /** Stops the server (if running) and removes its files. */
  destroy(): Promise<void>;
}

/**
 * A private PostgreSQL cluster in a temp dir, on a free loopback port, that a test may stop and start (the shared
 * test server must not be). The server refuses to run as root, so as root it runs as the `postgres` user.
 */
export async function startPostgresCluster(binDir: string): Promise<PostgresCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'sre-copilot-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  const asUser = process.getuid?.() === 0 ? postgresUser() : undefined;
  if (asUser) {
    chownSync(dir, asUser.uid, asUser.gid);
  }
  const run = (binary: string, args: string[]) =>
    new Promise<void>((resolve, reject) => {
      let output = '';
      const child = spawn(join(binDir, binary), args, { ...asUser, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`${binary} ${args.join(' ')} failed (${code}): ${output}`))
      );
    });
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  let running = false;
  const start = async () => {
    await run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', 'start']);
    running = true;
  };
  const stop = async () => {
    await run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    running = false;
  };
  try {
    await run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
    await start();
    await run('psql', [
      '-h',
      dir,
      '-p',
      String(port),
      '-U',
      'postgres',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      'CREATE ROLE sre_copilot_owner LOGIN CREATEROLE',
      '-c',
      'CREATE DATABASE sre_copilot OWNER sre_copilot_owner',
    ]);
  } catch (error) {
    await (running ? stop() : Promise.resolve()).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgres://sre_copilot_owner@127.0.0.1:${port}/sre_copilot`,
    stop,
    start,
    async destroy() {
      if (running) {
        await run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}
