import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import type { AuditCheckpoint, AuditCheckpointPage, AuditVerifyResult, Project } from '../contract/index.ts';
import { hashAuditEntry, type AuditEntry } from '../core/audit-chain.ts';
import type { Database, Queryable } from '../adapters/db/database.ts';
import { createSidecar, readCheckpoints } from '../main.ts';
import { AuditService } from '../services/audit.ts';
import { systemActor } from '../services/caller.ts';
import { createEmptyPostgresDatabase, TEST_DIALECTS } from '../testing/test-database.ts';
import { createTestSidecar, TEST_KEYS, type TestSidecar } from '../testing/test-sidecar.ts';
import { admin, victor } from '../testing/test-users.ts';

const A1 = 'a1:' + Buffer.alloc(32, 1).toString('base64');
const A2 = 'a2:' + Buffer.alloc(32, 2).toString('base64');

interface ChainRow {
  id: number;
  seq: number;
  entry: AuditEntry;
  prev_hash: string;
  hash: string;
}

/**
 * Runs `fn` in one transaction as the owner of `audit_logs`, as a dishonest owner would: FORCE row-level security
 * shows the owner no tenant rows, but the owner may lift it for itself (restored before the transaction ends).
 */
function asAuditOwner<T>(db: Database, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.withOwner(async (tx) => {
    await tx.query('ALTER TABLE audit_logs NO FORCE ROW LEVEL SECURITY');
    const result = await fn(tx);
    await tx.query('ALTER TABLE audit_logs FORCE ROW LEVEL SECURITY');
    return result;
  });
}

/** The rows of a project's chain as the database owner reads them, with the entry each hash covers. */
async function chainRows(db: Database, projectId: string): Promise<ChainRow[]> {
  const rows = await asAuditOwner(
    db,
    async (tx) =>
      (
        await tx.query<Record<string, unknown>>(
          `SELECT id::int8 AS id, org_id::int8 AS org_id, project_id, seq::int8 AS seq, actor_type, actor_id,
                  actor_name, action, resource_type, resource_id, details, ip, request_id, created_at, prev_hash, hash
             FROM audit_logs WHERE project_id = $1 ORDER BY seq`,
          [projectId]
        )
      ).rows
  );
  return rows.map((r) => ({
    id: r.id as number,
    seq: r.seq as number,
    prev_hash: r.prev_hash as string,
    hash: r.hash as string,
    entry: {
      orgId: r.org_id as number,
      projectId: r.project_id as string,
      seq: r.seq as number,
      actorType: r.actor_type as AuditEntry['actorType'],
      actorId: r.actor_id as string,
      actorName: r.actor_name as string,
      action: r.action as string,
      resourceType: r.resource_type as string,
      resourceId: r.resource_id as string,
      details: r.details as Record<string, unknown>,
      ip: r.ip as string | null,
      requestId: r.request_id as string | null,
      createdAt: (r.created_at as Date).toISOString(),
    },
  }));
}

/** What an owner can do past row-level security and the append-only trigger: run `sql` with both lifted. */
async function asOwnerPastTrigger(
  db: Database,
  fn: (run: (sql: string, params?: unknown[]) => Promise<void>) => Promise<void>
) {
  await asAuditOwner(db, async (tx) => {
    await tx.query('ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_no_update_delete');
    await fn(async (sql, params) => {
      await tx.query(sql, params);
    });
    await tx.query('ALTER TABLE audit_logs ENABLE TRIGGER audit_logs_no_update_delete');
  });
}

describe.each(TEST_DIALECTS)('audit chain against its database owner on %s', (dialect) => {
  let t: TestSidecar;

  const newProject = async (teamId: number) =>
    (await t.call(admin, '/api/v1/projects', { method: 'POST', body: { teamId } })).json<Project>();
  const addMembers = async (project: Project, from: number, count: number) => {
    for (let i = 0; i < count; i++) {
      const res = await t.call(admin, `/api/v1/projects/${project.id}/members/${from + i}`, {
        method: 'PUT',
        body: { role: 'viewer' },
      });
      expect(res.statusCode).toBe(200);
    }
  };
  const verify = async (project: Project, query = '') =>
    (await t.call(admin, `/api/v1/audit/verify${query}`, { projectId: project.id })).json<AuditVerifyResult>();
  const withCheckpoint = (checkpoint: unknown) => `?checkpoint=${encodeURIComponent(JSON.stringify(checkpoint))}`;

  beforeAll(async () => {
    t = await createTestSidecar(dialect, { AUDIT_KEYS: `${A2},${A1}` });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('reports a row edited past the trigger even when the owner re-hashed the rest of the chain', async () => {
    const project = await newProject(610);
    await addMembers(project, 100, 6);
    expect(await verify(project)).toMatchObject({ ok: true, checked: 7, unkeyed: 0 });

    const rows = await chainRows(t.sidecar.db, project.id);
    const target = rows[3]!;
    await asOwnerPastTrigger(t.sidecar.db, async (run) => {
      let prev = target.prev_hash;
      for (const row of rows.slice(3)) {
        const entry = row === target ? { ...row.entry, details: { role: 'owner' } } : row.entry;
        const hash = hashAuditEntry(prev, entry);
        await run('UPDATE audit_logs SET details = $2, prev_hash = $3, hash = $4 WHERE id = $1', [
          row.id,
          JSON.stringify(entry.details),
          prev,
          hash,
        ]);
        prev = hash;
      }
    });
    // The hash chain alone is consistent again; the MAC, which the owner cannot compute, is not.
    expect(await verify(project)).toEqual({
      ok: false,
      checked: 3,
      unkeyed: 0,
      firstBroken: { id: target.id, seq: target.seq, reason: 'mac_mismatch' },
    });

    // Dropping the MACs from there on instead does not pass as entries written before the chain was keyed.
    await asOwnerPastTrigger(t.sidecar.db, (run) =>
      run('UPDATE audit_logs SET mac = NULL, mac_key_id = NULL WHERE project_id = $1 AND seq >= $2', [
        project.id,
        target.seq,
      ])
    );
    expect((await verify(project)).firstBroken).toEqual({ id: target.id, seq: target.seq, reason: 'mac_missing' });
  });

  it('reports a truncated tail against an exported checkpoint, in the log and on the API', async () => {
    const project = await newProject(620);
    // victor (user 11) a viewer, who may verify but not export checkpoints, and three more members
    await addMembers(project, 11, 1);
    await addMembers(project, 200, 3);
    const taken = await t.sidecar.audit.checkpointWritten();
    const checkpoint = taken.find((c) => c.projectId === project.id)!;
    expect(checkpoint).toMatchObject({ orgId: 1, projectId: project.id, seq: 5, keyId: 'a2' });
    // The checkpoint left the database through the log, as exported, and the API lists it for project admins.
    const logged = t.logs.map((line) => JSON.parse(line) as { msg: string; checkpoint?: AuditCheckpoint });
    expect(logged.filter((l) => l.msg === 'audit checkpoint').map((l) => l.checkpoint)).toContainEqual(checkpoint);
    const page = (
      await t.call(admin, '/api/v1/audit/checkpoints', { projectId: project.id })
    ).json<AuditCheckpointPage>();
    expect(page).toEqual({ items: [checkpoint], nextCursor: null });
    expect((await t.call(victor, '/api/v1/audit/checkpoints', { projectId: project.id })).statusCode).toBe(403);
    // Nothing new written: no second checkpoint of the same head.
    expect((await t.sidecar.audit.checkpointWritten()).some((c) => c.projectId === project.id)).toBe(false);

    expect(await verify(project, withCheckpoint(checkpoint))).toMatchObject({ ok: true, checked: 5 });
    const rows = await chainRows(t.sidecar.db, project.id);
    await asOwnerPastTrigger(t.sidecar.db, (run) =>
      run('DELETE FROM audit_logs WHERE project_id = $1 AND seq > 3', [project.id])
    );
    // Without the checkpoint, what is left is a valid (shorter) chain.
    expect(await verify(project)).toMatchObject({ ok: true, checked: 3 });
    const truncated: AuditVerifyResult = {
      ok: false,
      checked: 3,
      unkeyed: 0,
      firstBroken: { id: null, seq: 4, reason: 'truncated' },
    };
    expect(await verify(project, withCheckpoint(checkpoint))).toEqual(truncated);
    const posted = await t.call(admin, '/api/v1/audit/verify', {
      method: 'POST',
      projectId: project.id,
      body: { checkpoint },
    });
    expect(posted.json()).toEqual(truncated);

    // New entries refill the positions, but not with the checkpoint's head.
    await addMembers(project, 300, 2);
    expect(await verify(project, withCheckpoint(checkpoint))).toMatchObject({
      ok: false,
      firstBroken: { seq: 5, reason: 'checkpoint_mismatch' },
    });
    expect(rows[4]!.hash).toBe(checkpoint.hash);

    // The next round sees another head at the checkpointed position: it says so, and stores nothing over it.
    expect((await t.sidecar.audit.checkpointWritten()).some((c) => c.projectId === project.id)).toBe(false);
    expect(t.logs.some((line) => line.includes('audit chain differs from its checkpoint'))).toBe(true);

    // The checkpoints of the chain, newest first, a page at a time.
    await addMembers(project, 400, 1);
    const [next] = (await t.sidecar.audit.checkpointWritten()).filter((c) => c.projectId === project.id);
    expect(next).toMatchObject({ seq: 6 });
    const first = (
      await t.call(admin, '/api/v1/audit/checkpoints?limit=1', { projectId: project.id })
    ).json<AuditCheckpointPage>();
    expect(first.items).toEqual([next]);
    const second = (
      await t.call(admin, `/api/v1/audit/checkpoints?limit=1&cursor=${first.nextCursor}`, { projectId: project.id })
    ).json<AuditCheckpointPage>();
    expect(second).toEqual({ items: [checkpoint], nextCursor: null });
  });

  it('refuses a checkpoint it cannot trust with a 400, never a 5xx', async () => {
    const project = await newProject(630);
    const other = await newProject(631);
    await addMembers(project, 400, 1);
    await addMembers(other, 400, 1);
    const taken = await t.sidecar.audit.checkpointWritten();
    const mine = taken.find((c) => c.projectId === project.id)!;
    const theirs = taken.find((c) => c.projectId === other.id)!;
    const cases: Array<[unknown, RegExp]> = [
      [{ ...mine, seq: mine.seq + 5 }, /MAC does not match/],
      [{ ...mine, keyId: 'zz' }, /key "zz", which is not configured/],
      [theirs, /another chain/],
      [{ ...mine, mac: 'nope' }, /checkpoint\.mac/],
    ];
    for (const [checkpoint, message] of cases) {
      const res = await t.call(admin, `/api/v1/audit/verify${withCheckpoint(checkpoint)}`, { projectId: project.id });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json<{ error: { message: string } }>().error.message).toMatch(message);
    }
    const garbage = await t.call(admin, '/api/v1/audit/verify?checkpoint=%7Bnot-json', { projectId: project.id });
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json<{ error: { message: string } }>().error.message).toMatch(/checkpoint: must be a checkpoint/);
  });

  it('keeps entries under a rotated-out key verifiable while that key stays listed', async () => {
    const project = await newProject(640);
    const scope = { orgId: 1, projectId: project.id };
    const logger = pino({ level: 'silent' });
    const clock = () => new Date();
    // Entries written under a1 alone, before a2 was put first.
    const before = new AuditService(
      { db: t.sidecar.db, logger, clock },
      { keys: loadConfig({ AUDIT_KEYS: A1 }).AUDIT_KEYS! }
    );
    for (let i = 0; i < 3; i++) {
      await t.sidecar.db.withTenant(scope, (tx) =>
        before.append(
          tx,
          scope,
          systemActor('test'),
          { action: 'test.written', resourceType: 'test', resourceId: String(i) },
          clock()
        )
      );
    }
    await addMembers(project, 500, 2);
    const keyIds = (
      await t.inspect.withOwner(
        async (tx) =>
          (
            await tx.query<{ mac_key_id: string }>(
              'SELECT mac_key_id FROM audit_logs WHERE project_id = $1 ORDER BY seq',
              [project.id]
            )
          ).rows
      )
    ).map((r) => r.mac_key_id);
    expect(keyIds).toEqual(['a2', 'a1', 'a1', 'a1', 'a2', 'a2']);
    expect(await verify(project)).toEqual({ ok: true, checked: 6, unkeyed: 0, firstBroken: null });

    // With a1 dropped from the list its entries can no longer be vouched for.
    const a2Only = new AuditService(
      { db: t.sidecar.db, logger, clock },
      { keys: loadConfig({ AUDIT_KEYS: A2 }).AUDIT_KEYS! }
    );
    expect(await a2Only.verify(scope)).toMatchObject({ ok: false, firstBroken: { seq: 2, reason: 'unknown_mac_key' } });
  });

  it('accepts entries written before the chain was keyed as its beginning only', async () => {
    const project = await newProject(650);
    await addMembers(project, 600, 4);
    await asOwnerPastTrigger(t.sidecar.db, (run) =>
      run('UPDATE audit_logs SET mac = NULL, mac_key_id = NULL WHERE project_id = $1 AND seq <= 2', [project.id])
    );
    expect(await verify(project)).toEqual({ ok: true, checked: 5, unkeyed: 2, firstBroken: null });
  });
});

describe.each(TEST_DIALECTS)('verify command on %s', (dialect) => {
  let dir: string;
  let env: Record<string, string>;
  let drop: (() => Promise<void>) | undefined;
  let early: AuditCheckpoint;
  let late: AuditCheckpoint;
  let logFile: string;

  const runVerify = async (...args: string[]) => {
    const child = spawn(process.execPath, ['pkg/main.ts', 'verify', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    return {
      code,
      stderr,
      results: stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as AuditVerifyResult),
    };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-verify-'));
    env = { ENCRYPTION_KEYS: TEST_KEYS, AUDIT_KEYS: A1, POLLING_ENABLED: 'false', LOG_LEVEL: 'info', DATA_DIR: dir };
    if (dialect === 'postgres') {
      const database = await createEmptyPostgresDatabase();
      env.DATABASE_URL = database.url;
      drop = database.drop;
    }
    const logs: string[] = [];
    const logStream = new Writable({
      write(chunk, _encoding, done) {
        logs.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const sidecar = await createSidecar(loadConfig({ ...env, ORG_SECRETS: '1=org-one-secret-0123456789' }), {
      logStream,
    });
    try {
      const scope = { orgId: 1, projectId: null };
      const write = async (count: number) => {
        for (let i = 0; i < count; i++) {
          await sidecar.db.withTenant(scope, (tx) =>
            sidecar.audit.append(
              tx,
              scope,
              systemActor('test'),
              { action: 'test.written', resourceType: 'test', resourceId: String(i) },
              new Date()
            )
          );
        }
        return (await sidecar.audit.checkpointWritten())[0]!;
      };
      early = await write(3);
      late = await write(2);
      await sidecar.db.withOwner(async (tx) => {
        // What the table's owner can do: lift row-level security for itself and the trigger, delete, restore both.
        await tx.query('ALTER TABLE audit_logs NO FORCE ROW LEVEL SECURITY');
        await tx.query('ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_no_update_delete');
        await tx.query('DELETE FROM audit_logs WHERE org_id = 1 AND project_id IS NULL AND seq > 4');
        await tx.query('ALTER TABLE audit_logs ENABLE TRIGGER audit_logs_no_update_delete');
        await tx.query('ALTER TABLE audit_logs FORCE ROW LEVEL SECURITY');
      });
    } finally {
      await sidecar.close();
    }
    logFile = join(dir, 'sidecar.log');
    writeFileSync(logFile, `${logs.join('\n')}\n`);
  });
  afterAll(async () => {
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 for a chain that still reaches the checkpoint given as JSON', async () => {
    const { code, results, stderr } = await runVerify('--checkpoint', JSON.stringify(early));
    expect(code, stderr).toBe(0);
    expect(results).toEqual([expect.objectContaining({ ok: true, checked: 4, checkpointSeq: 3 })]);
  });

  it('exits 1 and reports the truncated tail against the newest checkpoint of an exported log', async () => {
    expect(
      readCheckpoints(`not json\n${JSON.stringify({ checkpoint: early })}\n${JSON.stringify({ checkpoint: late })}`)
    ).toEqual([late]);
    const { code, results, stderr } = await runVerify('--checkpoint', logFile);
    expect(code, stderr).toBe(1);
    expect(results).toEqual([
      expect.objectContaining({
        ok: false,
        checked: 4,
        checkpointSeq: 5,
        firstBroken: { id: null, seq: 5, reason: 'truncated' },
      }),
    ]);
  });

  it('exits 2 for a checkpoint no configured key signed', async () => {
    const { code, stderr } = await runVerify('--checkpoint', JSON.stringify({ ...late, seq: 4 }));
    expect(code).toBe(2);
    expect(stderr).toMatch(/MAC does not match/);
  });
});

describe('the embedded mode without keys', () => {
  it('generates an audit key in the data directory and keeps it listed once keys are configured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-key-'));
    const env = { DATA_DIR: dir, POLLING_ENABLED: 'false', LOG_LEVEL: 'silent' };
    const scope = { orgId: 1, projectId: null };
    try {
      const first = await createSidecar(loadConfig({ ...env, ORG_SECRETS: '1=org-one-secret-0123456789' }));
      try {
        await first.db.withTenant(scope, (tx) =>
          first.audit.append(
            tx,
            scope,
            systemActor('test'),
            { action: 'test.written', resourceType: 'test', resourceId: '1' },
            new Date()
          )
        );
      } finally {
        await first.close();
      }
      expect(readFileSync(join(dir, 'audit.key'), 'utf8')).toMatch(/^local:[A-Za-z0-9+/]{43}=\n$/);
      const second = await createSidecar(loadConfig({ ...env, AUDIT_KEYS: A1, ENCRYPTION_KEYS: TEST_KEYS }));
      try {
        expect(await second.audit.verify(scope)).toEqual({ ok: true, checked: 1, unkeyed: 0, firstBroken: null });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
