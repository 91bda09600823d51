import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Health, ProjectList } from '../contract/index.ts';
import type { TestUser } from '../testing/grafana-identity.ts';
import { createTestSidecar, type TestSidecar } from '../testing/test-sidecar.ts';
import { alice } from '../testing/test-users.ts';

const rita: TestUser = { orgId: 1, userId: 13, login: 'rita', orgRole: 'Editor', teams: [] };
const bob: TestUser = { orgId: 1, userId: 12, login: 'bob', orgRole: 'Editor', teams: [100] };

describe('HTTP gateway duties', () => {
  let t: TestSidecar;
  beforeAll(async () => {
    t = await createTestSidecar(
      'pglite',
      {
        RATE_LIMIT_USER_PER_MINUTE: '5',
        RATE_LIMIT_PROJECT_PER_MINUTE: '8',
        BODY_LIMIT_BYTES: '2048',
      },
      undefined,
      () => new Date('2026-01-01T00:00:15Z')
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it('reports health without authentication', async () => {
    const res = await t.sidecar.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json<Health>()).toMatchObject({ status: 'ok', database: { dialect: 'pglite', ok: true } });
  });

  it('sets security headers and a request id on every answer', async () => {
    const res = await t.call(alice, '/api/v1/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // a client's request id is kept only when it is sane
    const odd = await t.call(alice, '/api/v1/nope', { headers: { 'x-request-id': 'a b\u00e9<script>' } });
    expect(odd.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses bodies over the limit with 413 and unsupported types with 415', async () => {
    const big = await t.call(alice, '/api/v1/projects', {
      method: 'POST',
      body: { teamId: 1, description: 'x'.repeat(4000) },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('payload_too_large');
    const xml = await t.call(alice, '/api/v1/projects', {
      method: 'POST',
      body: '<project/>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(xml.statusCode).toBe(415);
  });

  it('limits each user per minute with 429 and Retry-After, and each project across users', async () => {
    const [project] = (await t.call(bob, '/api/v1/projects')).json<ProjectList>().items;
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 6; i++) {
      const res = await t.call(rita, '/api/v1/projects');
      statuses.push(res.statusCode);
      retryAfter ??= res.headers['retry-after'] as string | undefined;
    }
    // five allowed per minute; the clock stands 15 s into its minute
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(retryAfter).toBe('45');
    const limited = await t.call(rita, '/api/v1/projects');
    expect(limited.json().error.code).toBe('rate_limited');

    // bob has his own user budget, but the project budget (8) is shared by everyone in the project
    const projectStatuses: number[] = [];
    for (let i = 0; i < 9; i++) {
      const user = i % 2 ? bob : { ...bob, userId: 100 + i, login: `u${i}` };
      projectStatuses.push((await t.call(user, '/api/v1/audit', { projectId: project!.id })).statusCode);
    }
    expect(projectStatuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
  });
});
