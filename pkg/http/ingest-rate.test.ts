import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedIngestToken, ProjectList } from '../contract/index.ts';
import { createTestSidecar, type TestSidecar } from '../testing/test-sidecar.ts';
import { admin, alice } from '../testing/test-users.ts';

/** Alertmanager retries a 503 and honours Retry-After, so the over-rate answer must carry it. */
describe('the ingest rate per project', () => {
  let t: TestSidecar;
  let token: string;
  beforeAll(async () => {
    // A stopped clock: every delivery falls into the same one-second window.
    const clock = () => new Date('2026-01-01T00:00:00Z');
    t = await createTestSidecar('pglite', { INGEST_RATE_LIMIT_PER_PROJECT_PER_SECOND: '1' }, undefined, clock);
    const project = (await t.call(alice, '/api/v1/projects')).json<ProjectList>().items[0]!;
    token = (
      await t.call(admin, '/api/v1/ingest-tokens', {
        method: 'POST',
        projectId: project.id,
        body: { name: 'alertmanager' },
      })
    ).json<CreatedIngestToken>().token;
  });
  afterAll(async () => {
    await t?.close();
  });

  it("answers 503 with Retry-After once the project's rate is spent", async () => {
    const deploy = () =>
      t.sidecar.app.inject({
        method: 'POST',
        url: '/api/v1/deployments',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        payload: JSON.stringify({ service: 'checkout', version: '1.2.3' }),
      });
    const first = await deploy();
    expect(first.statusCode).toBe(200);
    expect(first.headers['retry-after']).toBeUndefined();
    const second = await deploy();
    expect(second.statusCode).toBe(503);
    expect(second.headers['retry-after']).toBe('1');
    expect(second.json().error).toMatchObject({
      code: 'unavailable',
      message: "over the project's ingest rate; retry after Retry-After",
    });
  });
});
