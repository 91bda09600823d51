import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditLogPage, AuditVerifyResult, Integration, Project, ProjectList } from '../contract/index.ts';
import { TEST_DIALECTS } from '../testing/test-database.ts';
import { createTestSidecar, type CallOptions, type TestSidecar } from '../testing/test-sidecar.ts';
import { admin, alice, victor } from '../testing/test-users.ts';

describe.each(TEST_DIALECTS)('audit log on %s', (dialect) => {
  let t: TestSidecar;
  let project: Project;

  const auditCount = () =>
    t.inspect.withOwner(
      async (tx) => (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_logs')).rows[0]!.n
    );
  const lastAudit = () =>
    t.inspect.withOwner(
      async (tx) =>
        (
          await tx.query<{ action: string; actor_id: string; project_id: string | null; request_id: string }>(
            'SELECT action, actor_id, project_id, request_id FROM audit_logs ORDER BY id DESC LIMIT 1'
          )
        ).rows[0]!
    );

  beforeAll(async () => {
    t = await createTestSidecar(dialect, { PROMETHEUS_ALLOWED_HOSTS: 'prom:9090' });
    const before = await auditCount();
    project = (await t.call(alice, '/api/v1/projects')).json<ProjectList>().items[0]!;
    expect(await auditCount()).toBe(before + 1); // the auto-registration
    expect(await lastAudit()).toMatchObject({
      action: 'project.registered',
      actor_id: 'user:10',
      project_id: project.id,
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('writes exactly one audit row for every mutating call, and none for a refused one', async () => {
    let integrationId = '';
    let orgIntegrationId = '';
    const steps: Array<[string, string, CallOptions, string, (body: unknown) => void]> = [
      [
        'POST /projects',
        '/api/v1/projects',
        { method: 'POST', body: { teamId: 300, description: 'SRE' } },
        'project.registered',
        () => undefined,
      ],
      [
        'PATCH /projects/:id',
        `/api/v1/projects/${project.id}`,
        { method: 'PATCH', body: { description: 'payments' } },
        'project.updated',
        () => undefined,
      ],
      [
        'PUT member',
        `/api/v1/projects/${project.id}/members/77`,
        { method: 'PUT', body: { role: 'engineer' } },
        'member.added',
        () => undefined,
      ],
      [
        'PUT member again',
        `/api/v1/projects/${project.id}/members/77`,
        { method: 'PUT', body: { role: 'viewer' } },
        'member.updated',
        () => undefined,
      ],
      [
        'DELETE member',
        `/api/v1/projects/${project.id}/members/77`,
        { method: 'DELETE' },
        'member.removed',
        () => undefined,
      ],
      [
        'POST integration',
        '/api/v1/integrations',
        {
          method: 'POST',
          projectId: project.id,
          body: {
            type: 'prometheus',
            name: 'prom',
            config: { mode: 'direct', url: 'http://prom:9090' },
            secrets: { password: 'pw-123456' },
          },
        },
        'integration.created',
        (body) => (integrationId = (body as Integration).id),
      ],
      [
        'PATCH integration',
        '/api/v1/integrations/:id',
        { method: 'PATCH', projectId: project.id, body: { name: 'prom-eu' } },
        'integration.updated',
        () => undefined,
      ],
      [
        'DELETE integration',
        '/api/v1/integrations/:id',
        { method: 'DELETE', projectId: project.id },
        'integration.deleted',
        () => undefined,
      ],
      [
        'POST org integration',
        '/api/v1/integrations',
        { method: 'POST', body: { type: 'grafana', scope: 'org', name: 'grafana', secrets: { token: 'glsa_abcdef' } } },
        'integration.created',
        (body) => (orgIntegrationId = (body as Integration).id),
      ],
      [
        'DELETE org integration',
        '/api/v1/integrations/:org?scope=org',
        { method: 'DELETE' },
        'integration.deleted',
        () => undefined,
      ],
    ];
    for (const [label, url, options, action, keep] of steps) {
      const before = await auditCount();
      const res = await t.call(admin, url.replace(':id', integrationId).replace(':org', orgIntegrationId), options);
      expect(res.statusCode, `${label}: ${res.body}`).toBeLessThan(300);
      if (res.body) {
        keep(res.json());
      }
      expect(await auditCount(), label).toBe(before + 1);
      expect(await lastAudit(), label).toMatchObject({ action, actor_id: 'user:1', request_id: expect.any(String) });
    }
    const before = await auditCount();
    const refused = [
      await t.call(alice, `/api/v1/projects/${project.id}`, { method: 'PATCH', body: { description: 'x' } }),
      await t.call(admin, `/api/v1/projects/${project.id}`, { method: 'PATCH', body: { description: 42 } }),
      await t.call(admin, '/api/v1/integrations', {
        method: 'POST',
        projectId: project.id,
        body: { type: 'openai', name: 'x', secrets: { nope: 'x' } },
      }),
    ];
    expect(refused.map((r) => r.statusCode)).toEqual([403, 400, 400]);
    expect(await auditCount()).toBe(before);
  });

  it('lists the project’s entries newest first with filters and cursor pagination', async () => {
    for (let i = 0; i < 5; i++) {
      await t.call(admin, `/api/v1/projects/${project.id}/members/${500 + i}`, {
        method: 'PUT',
        body: { role: 'viewer' },
      });
    }
    const first = (
      await t.call(victor, '/api/v1/audit?limit=3&action=member', { projectId: project.id })
    ).json<AuditLogPage>();
    expect(first.items).toHaveLength(3);
    expect(first.items.every((e) => e.action.startsWith('member.'))).toBe(true);
    expect(first.items[0]!.seq).toBeGreaterThan(first.items[1]!.seq);
    const second = (
      await t.call(victor, `/api/v1/audit?limit=3&action=member&cursor=${first.nextCursor}`, { projectId: project.id })
    ).json<AuditLogPage>();
    expect(second.items[0]!.seq).toBeLessThan(first.items[2]!.seq);
    const exact = (
      await t.call(victor, '/api/v1/audit?action=project.updated', { projectId: project.id })
    ).json<AuditLogPage>();
    expect(exact.items.map((e) => e.action)).toEqual(['project.updated']);
    expect(exact.items[0]!.actor).toEqual({ type: 'user', id: 'user:1', name: 'admin' });
    const byResource = (
      await t.call(victor, '/api/v1/audit?resourceType=project_member&resourceId=502', { projectId: project.id })
    ).json<AuditLogPage>();
    expect(byResource.items).toHaveLength(1);
    const future = (
      await t.call(victor, '/api/v1/audit?from=2999-01-01T00:00:00Z', { projectId: project.id })
    ).json<AuditLogPage>();
    expect(future.items).toEqual([]);
    expect((await t.call(victor, '/api/v1/audit?cursor=abc', { projectId: project.id })).statusCode).toBe(400);
    expect((await t.call(victor, '/api/v1/audit')).statusCode).toBe(400);
    expect((await t.call(victor, '/api/v1/audit?scope=org')).statusCode).toBe(403);
  });

  it('verifies the chain and reports a row altered in the database at that row', async () => {
    const ok = (await t.call(victor, '/api/v1/audit/verify', { projectId: project.id })).json<AuditVerifyResult>();
    expect(ok).toMatchObject({ ok: true, firstBroken: null });
    expect(ok.checked).toBeGreaterThan(5);

    const target = await t.inspect.withOwner(
      async (tx) =>
        (
          await tx.query<{ id: number; seq: number }>(
            'SELECT id::int8 AS id, seq::int8 AS seq FROM audit_logs WHERE project_id = $1 ORDER BY seq LIMIT 1 OFFSET 3',
            [project.id]
          )
        ).rows[0]!
    );
    await t.inspect.withOwner(async (tx) => {
      await tx.query('ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_no_update_delete');
      await tx.query(`UPDATE audit_logs SET details = '{"role":"owner"}' WHERE id = $1`, [target.id]);
      await tx.query('ALTER TABLE audit_logs ENABLE TRIGGER audit_logs_no_update_delete');
    });
    const broken = (await t.call(victor, '/api/v1/audit/verify', { projectId: project.id })).json<AuditVerifyResult>();
    expect(broken).toEqual({
      ok: false,
      checked: target.seq - 1,
      unkeyed: 0,
      firstBroken: { id: target.id, seq: target.seq, reason: 'hash_mismatch' },
    });
    // the org chain is separate and still intact
    const org = (await t.call(admin, '/api/v1/audit/verify?scope=org')).json<AuditVerifyResult>();
    expect(org).toMatchObject({ ok: true });
    expect(org.checked).toBe(2);
  });

  it('never forks the chain under concurrent writers', async () => {
    const other = (await t.call(admin, '/api/v1/projects', { method: 'POST', body: { teamId: 400 } })).json<Project>();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        t.call(admin, `/api/v1/projects/${other.id}/members/${1000 + i}`, { method: 'PUT', body: { role: 'viewer' } })
      )
    );
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    const verify = (await t.call(admin, '/api/v1/audit/verify', { projectId: other.id })).json<AuditVerifyResult>();
    expect(verify).toEqual({ ok: true, checked: 41, unkeyed: 0, firstBroken: null });
    const seqs = await t.inspect.withOwner(
      async (tx) =>
        (
          await tx.query<{ seq: number }>(
            'SELECT seq::int8 AS seq FROM audit_logs WHERE project_id = $1 ORDER BY seq',
            [other.id]
          )
        ).rows
    );
    expect(seqs.map((r) => r.seq)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
  });
});
