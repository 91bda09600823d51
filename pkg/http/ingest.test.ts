import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  CreatedIngestToken,
  IncidentDetail,
  IncidentPage,
  IngestResult,
  Project,
  ProjectList,
} from '../contract/index.ts';
import { alertmanagerPayload, grafanaPayload } from '../testing/alert-payloads.ts';
import { TEST_DIALECTS } from '../testing/test-database.ts';
import { createTestSidecar, type TestSidecar } from '../testing/test-sidecar.ts';
import { admin, alice, victor } from '../testing/test-users.ts';

const HMAC_SECRET = 'grafana-hmac-secret-0123456789';

describe.each(TEST_DIALECTS)('ingestion to incidents on %s', (dialect) => {
  let t: TestSidecar;
  let project: Project;
  let token: string;
  let hmacToken: string;
  let stampedToken: string;

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}, auth = token) =>
    t.sidecar.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}`, ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
  const incidents = async (query = '') =>
    (await t.call(alice, `/api/v1/incidents${query}`, { projectId: project.id })).json<IncidentPage>();
  const count = (table: string) =>
    t.inspect.withOwner(
      async (tx) => (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n
    );

  beforeAll(async () => {
    t = await createTestSidecar(dialect);
    project = (await t.call(alice, '/api/v1/projects')).json<ProjectList>().items[0]!;
    const create = async (body: object) =>
      (
        await t.call(admin, '/api/v1/ingest-tokens', { method: 'POST', projectId: project.id, body })
      ).json<CreatedIngestToken>().token;
    token = await create({ name: 'alertmanager' });
    hmacToken = await create({ name: 'grafana', hmacSecret: HMAC_SECRET });
    stampedToken = await create({
      name: 'grafana-ts',
      hmacSecret: HMAC_SECRET,
      timestampHeader: 'X-Grafana-Alerting-Signature-Timestamp',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('turns an Alertmanager delivery into one incident per service, after commit', async () => {
    const res = await post(
      '/api/v1/webhooks/alertmanager',
      alertmanagerPayload([
        { name: 'HighErrorRate', service: 'checkout' },
        { name: 'HighLatency', service: 'checkout', severity: 'warning' },
        { name: 'DiskFull', service: 'search', severity: 'warning' },
      ])
    );
    expect(res.statusCode).toBe(200);
    expect(res.json<IngestResult>()).toEqual({ received: 3, created: 3, resolved: 0, duplicates: 0 });
    const list = await incidents();
    expect(list.items.map((i) => [i.service, i.severity, i.signalCount, i.status]).sort()).toEqual([
      ['checkout', 'critical', 2, 'triggered'],
      ['search', 'warning', 1, 'triggered'],
    ]);
    const checkout = list.items.find((i) => i.service === 'checkout')!;
    expect(checkout.title).toBe('HighErrorRate on checkout');
    const detail = (
      await t.call(victor, `/api/v1/incidents/${checkout.id}`, { projectId: project.id })
    ).json<IncidentDetail>();
    expect(detail.signals.map((s) => s.title).sort()).toEqual(['HighErrorRate on checkout', 'HighLatency on checkout']);
    expect(detail.signals[0]!.startsAt).toBe('2026-11-29T10:00:00.123Z');
    expect(detail.timeline.map((e) => e.kind)).toEqual(['created', 'signals_attached']);
  });

  it('stores 100 identical concurrent deliveries once: one signal, one incident', async () => {
    const payload = alertmanagerPayload([{ name: 'QueueStuck', service: 'billing', fingerprint: 'fp-billing-1' }]);
    const before = await count('signals');
    const results = await Promise.all(
      Array.from({ length: 100 }, () => post('/api/v1/webhooks/alertmanager', payload))
    );
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    const bodies = results.map((r) => r.json<IngestResult>());
    expect(bodies.reduce((n, b) => n + b.created, 0)).toBe(1);
    expect(bodies.reduce((n, b) => n + b.duplicates, 0)).toBe(99);
    expect(await count('signals')).toBe(before + 1);
    expect((await incidents('?service=billing')).items).toHaveLength(1);
  });

  it('closes firing signals on resolve, records a resolve without firing, and resolves the incident by itself', async () => {
    const resolvedOnly = await post(
      '/api/v1/webhooks/alertmanager',
      alertmanagerPayload([{ name: 'Ghost', service: 'nowhere', status: 'resolved', fingerprint: 'fp-ghost' }])
    );
    expect(resolvedOnly.json<IngestResult>()).toMatchObject({ created: 1 });
    const resolve = await post(
      '/api/v1/webhooks/alertmanager',
      alertmanagerPayload([{ name: 'QueueStuck', service: 'billing', fingerprint: 'fp-billing-1', status: 'resolved' }])
    );
    expect(resolve.json<IngestResult>()).toEqual({ received: 1, created: 0, resolved: 1, duplicates: 0 });
    // the same resolve again changes nothing
    const again = await post(
      '/api/v1/webhooks/alertmanager',
      alertmanagerPayload([{ name: 'QueueStuck', service: 'billing', fingerprint: 'fp-billing-1', status: 'resolved' }])
    );
    expect(again.json<IngestResult>()).toMatchObject({ resolved: 0, duplicates: 1 });
    const billing = (await incidents('?service=billing')).items[0]!;
    expect(billing).toMatchObject({ status: 'resolved', firingCount: 0, resolvedBy: 'system:correlator' });
    expect(billing.timeToResolveMs).toBeGreaterThanOrEqual(0);
    expect((await incidents('?service=nowhere')).items).toEqual([]);
  });

  it('reopens a recently resolved incident when its service fires again', async () => {
    const billing = (await incidents('?service=billing')).items[0]!;
    await post(
      '/api/v1/webhooks/alertmanager',
      alertmanagerPayload([
        { name: 'QueueStuck', service: 'billing', fingerprint: 'fp-billing-1', startsAt: new Date().toISOString() },
      ])
    );
    const after = (await incidents('?service=billing')).items;
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: billing.id, status: 'triggered', reopenCount: 1, resolvedAt: null });
  });

  it('keeps truncatedAlerts as a warning on the incident', async () => {
    await post(
      '/api/v1/webhooks/alertmanager',
      alertmanagerPayload([{ name: 'Many', service: 'fleet' }], 'g-fleet', 7)
    );
    const fleet = (await incidents('?service=fleet')).items[0]!;
    expect(fleet.warnings).toEqual(['truncated: the sender left out 7 alerts of this group']);
  });

  it('stores text outside the Basic Multilingual Plane as sent', async () => {
    const res = await post(
      '/api/v1/webhooks/alertmanager',
      JSON.stringify(
        alertmanagerPayload([{ name: 'Fire', service: 'emoji', labels: { note: '🔥 on fire' } }])
      ).replaceAll('🔥', '\\ud83d\\udd25')
    );
    expect(res.statusCode).toBe(200);
    const [incident] = (await incidents('?service=emoji')).items;
    const detail = (
      await t.call(alice, `/api/v1/incidents/${incident!.id}`, { projectId: project.id })
    ).json<IncidentDetail>();
    expect(detail.signals[0]!.labels.note).toBe('🔥 on fire');
  });

  it('reads a severity label named like an Object member as an unknown severity (warning)', async () => {
    const res = await post(
      '/api/v1/webhooks/alertmanager',
      alertmanagerPayload([{ name: 'Odd', service: 'proto', severity: 'constructor' }])
    );
    expect(res.statusCode).toBe(200);
    expect((await incidents('?service=proto')).items.map((i) => i.severity)).toEqual(['warning']);
  });

  it('verifies Grafana HMAC signatures and timestamps', async () => {
    const body = JSON.stringify(grafanaPayload([{ name: 'CPU', service: 'api' }]));
    const sign = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex');
    const ok = await post(
      '/api/v1/webhooks/grafana',
      body,
      { 'x-grafana-alerting-signature': sign(HMAC_SECRET, body) },
      hmacToken
    );
    expect(ok.statusCode).toBe(200);
    const wrong = await post(
      '/api/v1/webhooks/grafana',
      body,
      { 'x-grafana-alerting-signature': sign('another-secret-0123456789', body) },
      hmacToken
    );
    expect(wrong.statusCode).toBe(401);
    expect((await post('/api/v1/webhooks/grafana', body, {}, hmacToken)).statusCode).toBe(401);
    const now = Math.floor(Date.now() / 1000);
    const stamped = (ts: number) => ({
      'x-grafana-alerting-signature': sign(HMAC_SECRET, `${ts}:${body}`),
      'x-grafana-alerting-signature-timestamp': String(ts),
    });
    expect((await post('/api/v1/webhooks/grafana', body, stamped(now), stampedToken)).statusCode).toBe(200);
    const stale = await post('/api/v1/webhooks/grafana', body, stamped(now - 3600), stampedToken);
    expect(stale.statusCode).toBe(401);
    expect(stale.json().error.message).toMatch(/timestamp/);
    // a signature over the body alone does not pass when the timestamp is part of the signature
    const unstamped = await post(
      '/api/v1/webhooks/grafana',
      body,
      {
        'x-grafana-alerting-signature': sign(HMAC_SECRET, body),
        'x-grafana-alerting-signature-timestamp': String(now),
      },
      stampedToken
    );
    expect(unstamped.statusCode).toBe(401);
    const api = (await incidents('?service=api')).items[0]!;
    const detail = (
      await t.call(alice, `/api/v1/incidents/${api.id}`, { projectId: project.id })
    ).json<IncidentDetail>();
    expect(detail.signals[0]).toMatchObject({ source: 'grafana', values: { A: 0.93, B: null } });
  });

  it('refuses unknown and revoked tokens', async () => {
    const payload = alertmanagerPayload([{ name: 'X', service: 'x' }]);
    expect((await post('/api/v1/webhooks/alertmanager', payload, {}, 'sct_nope')).statusCode).toBe(401);
    const res = await t.sidecar.app.inject({ method: 'POST', url: '/api/v1/webhooks/alertmanager', payload });
    expect(res.statusCode).toBe(401);
    const created = (
      await t.call(admin, '/api/v1/ingest-tokens', { method: 'POST', projectId: project.id, body: { name: 'temp' } })
    ).json<CreatedIngestToken>();
    expect((await post('/api/v1/webhooks/alertmanager', payload, {}, created.token)).statusCode).toBe(200);
    const listed = (await t.call(admin, '/api/v1/ingest-tokens', { projectId: project.id })).json<{
      items: Array<Record<string, unknown>>;
    }>();
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect(
      (await t.call(admin, `/api/v1/ingest-tokens/${created.id}`, { method: 'DELETE', projectId: project.id }))
        .statusCode
    ).toBe(204);
    expect((await post('/api/v1/webhooks/alertmanager', payload, {}, created.token)).statusCode).toBe(401);
  });

  it('answers malformed deliveries with clear 4xx and stays healthy (fuzz)', async () => {
    const cases: Array<[unknown, RegExp]> = [
      ['{"alerts": [', /JSON/],
      [{}, /alerts/],
      [{ status: 'firing', alerts: [{ status: 'burning', labels: {}, startsAt: '2026-01-01T00:00:00Z' }] }, /status/],
      [
        { status: 'firing', alerts: [{ status: 'firing', labels: { a: 1 }, startsAt: '2026-01-01T00:00:00Z' }] },
        /alerts\.0\.labels.*a: must be a string/,
      ],
      [
        { status: 'firing', alerts: [{ status: 'firing', labels: ['a'], startsAt: '2026-01-01T00:00:00Z' }] },
        /labels.*object of label names/,
      ],
      [{ status: 'firing', commonLabels: { ['x'.repeat(300)]: 'v' }, alerts: [] }, /commonLabels.*1–256 characters/],
      [
        {
          status: 'firing',
          alerts: [
            { status: 'firing', labels: {}, annotations: { d: 'x'.repeat(5000) }, startsAt: '2026-01-01T00:00:00Z' },
          ],
        },
        /annotations.*d: at most 4096/,
      ],
      [
        {
          status: 'firing',
          alerts: [
            {
              status: 'firing',
              labels: Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`l${i}`, 'v'])),
              startsAt: '2026-01-01T00:00:00Z',
            },
          ],
        },
        /at most 256 labels/,
      ],
      [{ status: 'firing', alerts: [{ status: 'firing', labels: {}, startsAt: 'yesterday' }] }, /startsAt/],
    ];
    // Text the database cannot store is not malformed here: it is stored with U+FFFD (bad-input.test.ts).
    for (const [payload, message] of cases) {
      const res = await post('/api/v1/webhooks/alertmanager', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.message).toMatch(message);
    }
    // Any code point, and now and then a NUL or half a surrogate pair.
    const nastyString = fc.string({
      unit: fc.oneof(
        { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 8 },
        fc.constantFrom('\u0000', '\ud800', '\udfff')
      ),
    });
    const anyJson = fc.oneof(
      fc.jsonValue(),
      fc.record({ status: fc.string(), alerts: fc.array(fc.jsonValue(), { maxLength: 5 }) }),
      fc.record({
        status: fc.constantFrom('firing', 'resolved'),
        alerts: fc.array(
          fc.record(
            {
              status: fc.constantFrom('firing', 'resolved', 'x'),
              labels: fc.dictionary(nastyString, fc.oneof(nastyString, fc.integer())),
              startsAt: fc.oneof(
                fc.string(),
                fc.date({ noInvalidDate: true }).map((d) => d.toISOString())
              ),
              fingerprint: fc.oneof(fc.string(), fc.integer()),
            },
            { requiredKeys: [] }
          ),
          { maxLength: 4 }
        ),
      })
    );
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        anyJson,
        fc.constantFrom(
          '/api/v1/webhooks/alertmanager',
          '/api/v1/webhooks/grafana',
          '/api/v1/signals',
          '/api/v1/deployments'
        ),
        async (payload, url) => {
          const res = await post(url, JSON.stringify(payload), {}, url.endsWith('grafana') ? token : token);
          statuses.add(res.statusCode);
          expect(res.statusCode === 200 || (res.statusCode >= 400 && res.statusCode < 500)).toBe(true);
        }
      ),
      { numRuns: 1500 }
    );
    expect([...statuses].some((s) => s >= 400)).toBe(true);
    const health = await t.sidecar.app.inject({ method: 'GET', url: '/health' });
    expect(health.json()).toMatchObject({ status: 'ok' });
  });

  it('takes generic signals and deployments; deployments open no incident', async () => {
    const signals = await post('/api/v1/signals', {
      signals: [{ title: 'Error budget burn', service: 'payments', severity: 'high', type: 'metric', source: 'slo' }],
    });
    expect(signals.json<IngestResult>()).toMatchObject({ created: 1 });
    const deploy = await post('/api/v1/deployments', {
      service: 'payments',
      version: '1.4.2',
      environment: 'prod',
      author: 'ci',
    });
    expect(deploy.json<IngestResult>()).toMatchObject({ created: 1 });
    const payments = (await incidents('?service=payments')).items;
    expect(payments).toHaveLength(1);
    expect(payments[0]!.signalCount).toBe(1);
  });

  it('enforces the incident state machine and roles, and audits every change', async () => {
    const incident = (await incidents('?service=search')).items[0]!;
    const url = `/api/v1/incidents/${incident.id}/transitions`;
    expect(
      (await t.call(victor, url, { method: 'POST', projectId: project.id, body: { to: 'acknowledged' } })).statusCode
    ).toBe(403);
    const ack = await t.call(alice, url, {
      method: 'POST',
      projectId: project.id,
      body: { to: 'acknowledged', note: 'on it' },
    });
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'user:10',
      allowedTransitions: ['investigating', 'mitigated', 'resolved'],
    });
    expect(ack.json().timeToAcknowledgeMs).toBeGreaterThanOrEqual(0);
    const back = await t.call(alice, url, { method: 'POST', projectId: project.id, body: { to: 'triggered' } });
    expect(back.statusCode).toBe(409);
    expect(back.json().error.message).toContain('allowed: investigating, mitigated, resolved');
    for (const to of ['investigating', 'mitigated', 'resolved', 'triggered']) {
      expect((await t.call(alice, url, { method: 'POST', projectId: project.id, body: { to } })).statusCode, to).toBe(
        200
      );
    }
    const comment = await t.call(alice, `/api/v1/incidents/${incident.id}/comments`, {
      method: 'POST',
      projectId: project.id,
      body: { body: 'rolled back' },
    });
    expect(comment.statusCode).toBe(201);
    const edit = await t.call(alice, `/api/v1/incidents/${incident.id}`, {
      method: 'PATCH',
      projectId: project.id,
      body: { severity: 'critical' },
    });
    expect(edit.json()).toMatchObject({ severity: 'critical' });
    const detail = (
      await t.call(victor, `/api/v1/incidents/${incident.id}`, { projectId: project.id })
    ).json<IncidentDetail>();
    expect(detail.timeline.map((e) => e.kind).slice(2)).toEqual([
      'status_changed',
      'status_changed',
      'status_changed',
      'status_changed',
      'status_changed',
      'comment',
      'updated',
    ]);
    const audit = (
      await t.call(victor, `/api/v1/audit?resourceType=incident&resourceId=${incident.id}`, { projectId: project.id })
    ).json();
    expect(audit.items.map((e: { action: string }) => e.action).reverse()).toEqual([
      'incident.created',
      'incident.acknowledged',
      'incident.investigating',
      'incident.mitigated',
      'incident.resolved',
      'incident.reopened',
      'incident.commented',
      'incident.updated',
    ]);
    expect((await t.call(victor, '/api/v1/audit/verify', { projectId: project.id })).json()).toMatchObject({
      ok: true,
    });
  });

  it('refuses API bodies with text the database cannot store, and stores nothing of them', async () => {
    const before = await count('incidents');
    for (const title of ['down\u0000', 'half \ud83d pair']) {
      const res = await t.call(alice, '/api/v1/incidents', {
        method: 'POST',
        projectId: project.id,
        body: { title, severity: 'high' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toBe('title: must not contain NUL characters or unpaired surrogates');
    }
    expect(await count('incidents')).toBe(before);
  });

  it('creates incidents by hand, filters and paginates the list', async () => {
    const created = await t.call(alice, '/api/v1/incidents', {
      method: 'POST',
      projectId: project.id,
      body: { title: 'Customer reports 50% checkout failures', severity: 'high', service: 'checkout' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ origin: 'manual', status: 'triggered', createdBy: 'user:10' });
    expect((await incidents('?q=50%25 checkout')).items.map((i) => i.origin)).toEqual(['manual']);
    expect(
      (await incidents('?status=resolved,mitigated')).items.every((i) => ['resolved', 'mitigated'].includes(i.status))
    ).toBe(true);
    expect((await incidents('?severity=high')).items.every((i) => i.severity === 'high')).toBe(true);
    const all = (await incidents('?limit=200')).items;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: IncidentPage = await incidents(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((i) => i.id));
    expect((await t.call(alice, '/api/v1/incidents?status=burning', { projectId: project.id })).statusCode).toBe(400);
    expect((await t.call(alice, '/api/v1/incidents?cursor=zzz', { projectId: project.id })).statusCode).toBe(400);
  });

  it('exposes its own metrics', async () => {
    const res = await t.sidecar.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/sre_copilot_signals_ingested_total\{source="alertmanager",type="alert"\} \d+/);
    expect(res.body).toMatch(/sre_copilot_signal_duplicates_total \d+/);
    expect(res.body).toMatch(/sre_copilot_incidents_opened_total\{origin="correlation"\} \d+/);
    expect(res.body).toContain('sre_copilot_ingest_duration_seconds_bucket');
    expect(res.body).not.toContain(project.id);
  });
});
