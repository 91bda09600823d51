import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEmptyPostgresDatabase,
  createTestDatabase,
  OWNER_ROLE,
  TEST_DIALECTS,
  type TestDatabase,
} from '../../testing/test-database.ts';
import { APP_ROLE } from './database.ts';
import { loadMigrations, migrate } from './migrate.ts';
import { PgliteDatabase } from './pglite.ts';
import { PostgresDatabase } from './postgres.ts';

const TENANT_TABLES = [
  'organizations',
  'projects',
  'project_members',
  'integrations',
  'audit_logs',
  'audit_checkpoints',
  'ingest_tokens',
  'incidents',
  'signals',
  'incident_events',
  'query_templates',
  'metric_series',
  'poll_runs',
  'poller_health',
];

describe.each(TEST_DIALECTS)('database on %s', (dialect) => {
  let db: TestDatabase;
  let projectA: string;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    projectA = await db.inspect.withOwner(async (tx) => {
      await tx.query(`INSERT INTO organizations (id, name) VALUES (1, 'one'), (2, 'two')`);
      const rows = await tx.query<{ id: string }>(
        `INSERT INTO projects (org_id, team_id, name, slug) VALUES (1, 10, 'A', 'a'), (1, 11, 'B', 'b'), (2, 10, 'C', 'c')
         RETURNING id`
      );
      await tx.query(
        `INSERT INTO project_members (org_id, project_id, user_id, role, created_by)
         SELECT org_id, id, 5, 'viewer', 'test' FROM projects`
      );
      return rows.rows[0]!.id;
    });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('runs tenant queries as a role that is not superuser, cannot bypass RLS and owns no table', async () => {
    const role = await db.withOwner(
      async (tx) =>
        (
          await tx.query<{ rolsuper: boolean; rolbypassrls: boolean; rolcanlogin: boolean }>(
            'SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = $1',
            [APP_ROLE]
          )
        ).rows[0]
    );
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false, rolcanlogin: false });
    const tables = await db.withOwner(
      async (tx) =>
        (
          await tx.query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean; owner: string }>(
            `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) AS owner
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'schema_migrations'`
          )
        ).rows
    );
    expect(tables.map((t) => t.relname).sort()).toEqual([...TENANT_TABLES].sort());
    for (const table of tables) {
      expect(table, table.relname).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
      expect(table.owner).not.toBe(APP_ROLE);
    }
    const current = await db.withTenant(
      { orgId: 1, projectId: null },
      async (tx) => (await tx.query<{ user: string }>('SELECT current_user AS user')).rows[0]!.user
    );
    expect(current).toBe(APP_ROLE);
  });

  it('returns no rows without a tenant context', async () => {
    const counts = await db.withOwner(async (tx) => {
      await tx.query(`SELECT set_config('role', $1, true)`, [APP_ROLE]);
      const out: Record<string, number> = {};
      for (const table of TENANT_TABLES) {
        out[table] = (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
      }
      return out;
    });
    expect(counts).toEqual(Object.fromEntries(TENANT_TABLES.map((t) => [t, 0])));
  });

  it('confines reads and writes to the org, and project rows to the project', async () => {
    const orgOne = await db.withTenant({ orgId: 1, projectId: null }, async (tx) =>
      (await tx.query<{ name: string }>('SELECT name FROM projects ORDER BY name')).rows.map((r) => r.name)
    );
    expect(orgOne).toEqual(['A', 'B']);
    const membersOfA = await db.withTenant({ orgId: 1, projectId: projectA }, async (tx) =>
      (await tx.query<{ project_id: string }>('SELECT project_id FROM project_members')).rows.map((r) => r.project_id)
    );
    expect(membersOfA).toEqual([projectA]);
    await expect(
      db.withTenant({ orgId: 1, projectId: null }, (tx) =>
        tx.query(`INSERT INTO projects (org_id, team_id, name, slug) VALUES (2, 99, 'x', 'x')`)
      )
    ).rejects.toThrow(/row-level security/);
    const updated = await db.withTenant(
      { orgId: 2, projectId: null },
      async (tx) => (await tx.query(`UPDATE projects SET name = 'hijacked' WHERE id = $1`, [projectA])).rowCount
    );
    expect(updated).toBe(0);
  });

  it('runs prepared statements like plain ones, many times, with nulls, arrays and errors', async () => {
    const sql = `SELECT p.slug, $2::text AS label, cardinality($3::uuid[]) AS keys FROM projects p
                  WHERE p.org_id = $1 ORDER BY p.slug`;
    const plain = await db.withTenant({ orgId: 1, projectId: null }, (tx) => tx.query(sql, [1, null, []]));
    // Past the point (5 runs) where PostgreSQL may switch a prepared statement to a generic plan, and in transactions
    // of other tenants: the statement is prepared once per connection, its rows are those of the tenant at hand.
    for (let i = 0; i < 8; i++) {
      const org = i % 2 === 0 ? 1 : 2;
      const prepared = await db.withTenant({ orgId: org, projectId: null }, (tx) =>
        tx.query(sql, [org, i === 0 ? null : `run ${i}`, [projectA, projectA]], { prepare: true })
      );
      expect(prepared.rows).toEqual(
        (org === 1 ? plain.rows : [{ slug: 'c' }]).map((r) => ({
          slug: r.slug,
          label: i === 0 ? null : `run ${i}`,
          keys: 2,
        }))
      );
    }
    // An error in a prepared statement fails its transaction, which rolls back; the next one runs normally.
    await expect(
      db.inspect.withOwner(async (tx) => {
        await tx.query(`INSERT INTO organizations (id, name) VALUES (3, 'three')`);
        await tx.query('SELECT 1 / $1::int AS x', [0], { prepare: true });
      })
    ).rejects.toThrow(/division by zero/);
    const after = await db.inspect.withOwner(async (tx) => {
      const x = await tx.query<{ x: number }>('SELECT 1 / $1::int AS x', [1], { prepare: true });
      const three = await tx.query('SELECT id FROM organizations WHERE id = 3');
      return { x: x.rows[0]!.x, three: three.rowCount };
    });
    expect(after).toEqual({ x: 1, three: 0 });
  });

  it('takes the advisory lock a transaction is opened with, and keeps its tenant', async () => {
    const seen = await db.withTenant(
      { orgId: 1, projectId: projectA },
      async (tx) =>
        (
          await tx.query<{ project: string; locks: number }>(
            `SELECT current_setting('app.project_id') AS project,
                  (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS locks`
          )
        ).rows[0],
      { lock: 'test:lock' }
    );
    expect(seen).toEqual({ project: projectA, locks: 1 });
  });

  it('keeps migrations forward-only and idempotent', async () => {
    expect(await migrate(db)).toEqual([]);
    const versions = await db.withOwner(async (tx) =>
      (await tx.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map(
        (r) => r.version
      )
    );
    expect(versions[0]).toBe(1);
  });

  it('rejects UPDATE, DELETE and TRUNCATE of audit rows, even for the owner', async () => {
    await db.inspect.withOwner((tx) =>
      tx.query(
        `INSERT INTO audit_logs (org_id, seq, actor_type, actor_id, action, resource_type, resource_id, created_at, prev_hash, hash)
         VALUES (1, 1, 'system', 'system:test', 'test.created', 'test', '1', now(), 'x', 'y')`
      )
    );
    // Even once the owner has lifted row-level security for itself, so that it sees the row.
    const asOwnerSeeingRows = (sql: string) =>
      db.withOwner(async (tx) => {
        await tx.query('ALTER TABLE audit_logs NO FORCE ROW LEVEL SECURITY');
        await tx.query(sql);
      });
    await expect(asOwnerSeeingRows(`UPDATE audit_logs SET actor_id = 'x'`)).rejects.toThrow(/append-only/);
    await expect(asOwnerSeeingRows('DELETE FROM audit_logs')).rejects.toThrow(/append-only/);
    await expect(db.withOwner((tx) => tx.query('TRUNCATE audit_logs'))).rejects.toThrow(/append-only/);
  });
});

describe.runIf(TEST_DIALECTS.includes('postgres'))('transactions on postgres', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await db.inspect.withOwner((tx) => tx.query(`INSERT INTO organizations (id, name) VALUES (1, 'one')`));
  });
  afterAll(async () => {
    await db?.close();
  });

  it('open one at a time when they take the same lock in BEGIN, at once with different locks', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const holding = new Promise<void>((resolve) => (entered = resolve));
    const first = db.withTenant(
      { orgId: 1, projectId: null },
      async () => {
        order.push('first in');
        entered();
        await held;
        order.push('first out');
      },
      { lock: 'same' }
    );
    await holding;
    const second = db.withTenant(
      { orgId: 1, projectId: null },
      async () => {
        order.push('second in');
      },
      { lock: 'same' }
    );
    const other = db.withTenant(
      { orgId: 1, projectId: null },
      async () => {
        order.push('other in');
      },
      { lock: 'other' }
    );
    await other;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(order).toEqual(['first in', 'other in']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'other in', 'first out', 'second in']);
  });
});

describe.runIf(TEST_DIALECTS.includes('postgres'))('migrations on postgres', () => {
  it('are safe when several processes migrate one database at once', async () => {
    const target = await createEmptyPostgresDatabase();
    const replicas = [0, 1, 2, 3].map(() => new PostgresDatabase(target.url, 2));
    try {
      const versions = (await loadMigrations()).map((m) => m.version);
      const results = await Promise.all(replicas.map((r) => migrate(r)));
      // every migration applied exactly once, by whichever replica got the lock first
      expect(results.flat().sort((a, b) => a - b)).toEqual(versions);
      expect(results.filter((r) => r.length > 0)).toHaveLength(1);
      const rows = await replicas[0]!.withOwner((tx) => tx.query('SELECT version FROM schema_migrations'));
      expect(rows.rowCount).toBe(versions.length);
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
      await target.drop();
    }
  });
});

describe('embedded data directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sre-copilot-lock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second process with a clear message, fast', async () => {
    const db = await PgliteDatabase.open({ dataDir: dir });
    try {
      const started = Date.now();
      const result = await promisify(execFile)(process.execPath, ['pkg/main.ts', 'migrate'], {
        env: { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'silent' },
      }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error
      );
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('is in use by another sidecar process');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await db.close();
    }
  });

  it('takes over the lock of a process that is gone, and keeps data across restarts', async () => {
    writeFileSync(join(dir, 'sidecar.lock'), '999999999\n');
    const first = await PgliteDatabase.open({ dataDir: dir });
    await migrate(first);
    await first.withOwner((tx) => tx.query(`INSERT INTO organizations (id, name) VALUES (42, 'kept')`));
    await first.close();
    const second = await PgliteDatabase.open({ dataDir: dir });
    const rows = await second.withOwner((tx) =>
      tx.query<{ name: string }>('SELECT name FROM organizations WHERE id = 42')
    );
    await second.close();
    expect(rows.rows).toEqual([{ name: 'kept' }]);
  });
});
