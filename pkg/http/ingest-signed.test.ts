import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedIngestToken, IngestResult, IngestTokenList, Project, ProjectList } from '../contract/index.ts';
import { alertmanagerPayload, grafanaPayload, grafanaTestNotification } from '../testing/alert-payloads.ts';
import { TEST_DIALECTS } from '../testing/test-database.ts';
import { createTestSidecar, type TestSidecar } from '../testing/test-sidecar.ts';
import { admin, alice } from '../testing/test-users.ts';

const SECRET = 'sender-hmac-secret-0123456789';
const SIGNATURE = 'x-grafana-alerting-signature';
const TIMESTAMP = 'x-grafana-alerting-signature-timestamp';
const sign = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex');

/** A body for each route that can sign, as its senders send it. */
const SIGNABLE: Array<[route: string, body: () => unknown]> = [
  ['/api/v1/webhooks/grafana', () => grafanaPayload([{ name: 'Signed', service: 'signed-grafana' }])],
  ['/api/v1/signals', () => ({ signals: [{ title: 'Signed signal', service: 'signed-signals' }] })],
  ['/api/v1/deployments', () => ({ service: 'signed-deployments', version: '1.2.3' })],
];

describe.each(TEST_DIALECTS)('signed deliveries and the Test notification on %s', (dialect) => {
  let t: TestSidecar;
  let project: Project;
  let plain: CreatedIngestToken;
  let signed: CreatedIngestToken;
  let stamped: CreatedIngestToken;

  const post = (url: string, body: string, token: CreatedIngestToken, headers: Record<string, string> = {}) =>
    t.sidecar.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token.token}`, ...headers },
      payload: body,
    });
  const count = (table: string) =>
    t.inspect.withOwner(
      async (tx) => (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n
    );
  const tokenById = async (id: string) =>
    (await t.call(admin, '/api/v1/ingest-tokens', { projectId: project.id }))
      .json<IngestTokenList>()
      .items.find((item) => item.id === id)!;

  beforeAll(async () => {
    t = await createTestSidecar(dialect);
    project = (await t.call(alice, '/api/v1/projects')).json<ProjectList>().items[0]!;
    const create = async (body: object) =>
      (
        await t.call(admin, '/api/v1/ingest-tokens', { method: 'POST', projectId: project.id, body })
      ).json<CreatedIngestToken>();
    plain = await create({ name: 'plain' });
    signed = await create({ name: 'signed', hmacSecret: SECRET });
    stamped = await create({
      name: 'stamped',
      hmacSecret: SECRET,
      timestampHeader: 'X-Grafana-Alerting-Signature-Timestamp',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(SIGNABLE)(
    '%s refuses unsigned and wrongly signed deliveries of a token with an HMAC secret',
    async (route, body) => {
      const text = JSON.stringify(body());
      const before = await count('signals');
      const unsigned = await post(route, text, signed);
      expect(unsigned.statusCode).toBe(401);
      expect(unsigned.json().error.message).toMatch(/^X-Grafana-Alerting-Signature: missing signature header/);
      const wrong = await post(route, text, signed, { [SIGNATURE]: sign('another-secret-0123456789', text) });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().error.message).toMatch(/^X-Grafana-Alerting-Signature: signature does not match/);
      // a signature of another body does not pass either
      const other = await post(route, text, signed, { [SIGNATURE]: sign(SECRET, `${text} `) });
      expect(other.statusCode).toBe(401);
      const now = Math.floor(Date.now() / 1000);
      const unstamped = await post(route, text, stamped, { [SIGNATURE]: sign(SECRET, text) });
      expect(unstamped.statusCode).toBe(401);
      expect(unstamped.json().error.message).toMatch(/timestamp/);
      const stale = await post(route, text, stamped, {
        [SIGNATURE]: sign(SECRET, `${now - 3600}:${text}`),
        [TIMESTAMP]: String(now - 3600),
      });
      expect(stale.statusCode).toBe(401);
      expect(await count('signals')).toBe(before);
    }
  );

  it.each(SIGNABLE)('%s takes signed deliveries, with and without a signed timestamp', async (route, body) => {
    const text = JSON.stringify(body());
    const ok = await post(route, text, signed, { [SIGNATURE]: sign(SECRET, text) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json<IngestResult>().received).toBe(1);
    const now = String(Math.floor(Date.now() / 1000));
    const withTimestamp = await post(route, text, stamped, {
      [SIGNATURE]: sign(SECRET, `${now}:${text}`),
      [TIMESTAMP]: now,
    });
    expect(withTimestamp.statusCode).toBe(200);
    // a token without an HMAC secret still takes unsigned deliveries
    expect((await post(route, text, plain)).statusCode).toBe(200);
  });

  it('refuses a token with an HMAC secret on the Alertmanager route, which cannot sign', async () => {
    const text = JSON.stringify(alertmanagerPayload([{ name: 'Unsignable', service: 'am' }]));
    const before = await count('signals');
    for (const headers of [{}, { [SIGNATURE]: sign(SECRET, text) }] as Array<Record<string, string>>) {
      const res = await post('/api/v1/webhooks/alertmanager', text, signed, headers);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.message).toMatch(/HMAC secret, and Alertmanager cannot sign its webhooks/);
    }
    expect(await count('signals')).toBe(before);
    expect((await post('/api/v1/webhooks/alertmanager', text, plain)).statusCode).toBe(200);
  });

  it("answers Grafana's Test notification 200, records it on the token and opens no incident", async () => {
    const text = JSON.stringify(grafanaTestNotification());
    const [signals, incidents] = [await count('signals'), await count('incidents')];
    const res = await post('/api/v1/webhooks/grafana', text, signed, { [SIGNATURE]: sign(SECRET, text) });
    expect(res.statusCode).toBe(200);
    expect(res.json<IngestResult>()).toEqual({
      received: 1,
      created: 0,
      resolved: 0,
      duplicates: 0,
      notificationTest: true,
    });
    expect((await post('/api/v1/webhooks/grafana', text, plain)).json<IngestResult>().notificationTest).toBe(true);
    expect([await count('signals'), await count('incidents')]).toEqual([signals, incidents]);
    const recorded = await tokenById(signed.id);
    expect(recorded.lastDelivery).toMatchObject({ route: 'grafana', test: true });
    expect(Date.now() - Date.parse(recorded.lastDelivery!.at)).toBeLessThan(60_000);
    // the test is signed like any delivery
    expect((await post('/api/v1/webhooks/grafana', text, signed)).statusCode).toBe(401);
  });

  it('records an ordinary delivery after a test on the token', async () => {
    const text = JSON.stringify(grafanaPayload([{ name: 'AfterTest', service: 'after-test' }]));
    expect((await post('/api/v1/webhooks/grafana', text, plain)).statusCode).toBe(200);
    expect((await tokenById(plain.id)).lastDelivery).toMatchObject({ route: 'grafana', test: false });
    const fresh = (
      await t.call(admin, '/api/v1/ingest-tokens', { method: 'POST', projectId: project.id, body: { name: 'unused' } })
    ).json<CreatedIngestToken>();
    expect(fresh.lastDelivery).toBeNull();
  });
});
