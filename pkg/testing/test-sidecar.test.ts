import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../contract/index.ts';
import { OWNER_ROLE, TEST_DIALECTS } from './test-database.ts';
import { createTestSidecar, type TestSidecar } from './test-sidecar.ts';
import { admin } from './test-users.ts';

/**
 * The in-process tests on PostgreSQL must see what a deployment sees: a sidecar connected as the owner of its tables,
 * which is neither a superuser nor BYPASSRLS, so that FORCE row-level security confines it and a test that passes here
 * does not pass only because the connection bypasses the tenant boundary.
 */
describe.runIf(TEST_DIALECTS.includes('postgres'))('test sidecar on postgres', () => {
  let t: TestSidecar;
  let project: Project;
  beforeAll(async () => {
    t = await createTestSidecar('postgres');
    project = (await t.call(admin, '/api/v1/projects', { method: 'POST', body: { teamId: 100 } })).json<Project>();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('connects as the owner of the tables, which is no superuser and cannot bypass row-level security', async () => {
    const seen = await t.sidecar.db.withOwner(async (tx) => ({
      role: (
        await tx.query<{ rolname: string; rolsuper: boolean; rolbypassrls: boolean }>(
          'SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user'
        )
      ).rows[0],
      owners: (
        await tx.query<{ owner: string }>(
          `SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r'`
        )
      ).rows,
    }));
    expect(seen).toEqual({
      role: { rolname: OWNER_ROLE, rolsuper: false, rolbypassrls: false },
      owners: [{ owner: OWNER_ROLE }],
    });
  });

  it('shows the owner no tenant rows outside a tenant context, and the inspect handle every row', async () => {
    const count = (db: TestSidecar['inspect']) =>
      db.withOwner(
        async (tx) =>
          (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM projects WHERE id = $1', [project.id]))
            .rows[0]!.n
      );
    expect(project.id).toBeTruthy();
    expect(await count(t.sidecar.db)).toBe(0);
    expect(await count(t.inspect)).toBe(1);
  });
});
