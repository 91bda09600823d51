import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIDECAR_NODE_FLAGS, startSidecarProcess } from '../../testing/processes.ts';
import { createEmptyPostgresDatabase, OWNER_ROLE, TEST_DIALECTS } from '../../testing/test-database.ts';
import { TEST_KEYS } from '../../testing/test-sidecar.ts';
import { PostgresDatabase } from './postgres.ts';

/** Runs `node pkg/main.ts` to its end (a sidecar that refuses to start exits by itself). */
function runSidecar(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...SIDECAR_NODE_FLAGS, 'pkg/main.ts'], {
      env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the sidecar did not exit: ${output.slice(-2000)}`));
    }, 20_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The URL of the database of `url`, connecting as `role` instead. */
const as = (url: string, role: string, password = '') => {
  const next = new URL(url);
  next.username = role;
  next.password = password;
  return next.toString();
};

describe.runIf(TEST_DIALECTS.includes('postgres'))('the PostgreSQL role the sidecar connects as', () => {
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const bypassRole = `sre_copilot_bypass_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  let admin: pg.Client;
  let target: Awaited<ReturnType<typeof createEmptyPostgresDatabase>>;
  let adminRole: string;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    const me = await admin.query<{ name: string; superuser: boolean }>(
      'SELECT rolname AS name, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user'
    );
    adminRole = me.rows[0]!.name;
    // These tests connect the sidecar as TEST_DATABASE_URL's own role, which creates the test databases.
    expect(me.rows[0]!.superuser).toBe(true);
    await admin.query(`CREATE ROLE ${bypassRole} LOGIN NOSUPERUSER BYPASSRLS`);
    target = await createEmptyPostgresDatabase();
    await admin.query(`GRANT ALL ON DATABASE ${new URL(target.url).pathname.slice(1)} TO ${bypassRole}`);
  });
  afterAll(async () => {
    await target?.drop();
    await admin?.query(`DROP ROLE IF EXISTS ${bypassRole}`);
    await admin?.end();
  });

  const env = () => ({ ENCRYPTION_KEYS: TEST_KEYS, GRAFANA_URL: 'http://127.0.0.1:9' });

  it('refuses to start as a superuser, naming the role and the way out', async () => {
    const url = as(target.url, adminRole, decodeURIComponent(new URL(adminUrl).password));
    const { code, output } = await runSidecar({ ...env(), DATABASE_URL: url });
    expect(code).toBe(2);
    expect(output).toContain(`Refusing to start: the PostgreSQL role "${adminRole}" of DATABASE_URL is a superuser`);
    expect(output).toContain('DATABASE_ALLOW_SUPERUSER=true');
    // refused before anything was written: the database is still unmigrated
    const check = new pg.Client({ connectionString: url });
    await check.connect();
    try {
      const tables = await check.query(`SELECT 1 FROM pg_tables WHERE tablename = 'schema_migrations'`);
      expect(tables.rowCount).toBe(0);
    } finally {
      await check.end();
    }
  });

  it('refuses to start as a role with BYPASSRLS', async () => {
    const { code, output } = await runSidecar({ ...env(), DATABASE_URL: as(target.url, bypassRole) });
    expect(code).toBe(2);
    expect(output).toContain(`the PostgreSQL role "${bypassRole}" of DATABASE_URL is a role with BYPASSRLS`);
  });

  it('starts as a superuser with DATABASE_ALLOW_SUPERUSER=true, and warns', async () => {
    const sidecar = await startSidecarProcess({
      ...env(),
      DATABASE_URL: as(target.url, adminRole, decodeURIComponent(new URL(adminUrl).password)),
      DATABASE_ALLOW_SUPERUSER: 'true',
    });
    try {
      expect((await fetch(`${sidecar.url}/health`)).ok).toBe(true);
      const warning = sidecar
        .output()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { level: number; msg: string; role?: string })
        .find((line) => line.msg.includes('DATABASE_ALLOW_SUPERUSER'));
      expect(warning).toMatchObject({ level: 40, role: adminRole });
      expect(warning!.msg).toContain('is a superuser');
    } finally {
      await sidecar.stop();
    }
  });

  it('starts as a non-superuser owner without BYPASSRLS, which migrates, and does not warn', async () => {
    const own = await createEmptyPostgresDatabase();
    try {
      const db = new PostgresDatabase(own.url, 1);
      try {
        expect(await db.connectionRole()).toEqual({ name: OWNER_ROLE, superuser: false, bypassRls: false });
      } finally {
        await db.close();
      }
      const sidecar = await startSidecarProcess({ ...env(), DATABASE_URL: own.url });
      try {
        expect((await fetch(`${sidecar.url}/health`)).ok).toBe(true);
        expect(sidecar.output()).not.toContain('DATABASE_ALLOW_SUPERUSER');
      } finally {
        await sidecar.stop();
      }
    } finally {
      await own.drop();
    }
  }, 90_000);
});
