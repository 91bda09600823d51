import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedIngestToken, IngestResult, Project, ProjectList } from '../contract/index.ts';
import { alertmanagerPayload, grafanaPayload } from '../testing/alert-payloads.ts';
import { TEST_DIALECTS } from '../testing/test-database.ts';
import { createTestSidecar, type TestSidecar } from '../testing/test-sidecar.ts';
import { admin, alice } from '../testing/test-users.ts';

/** Any code point, and now and then a NUL or half a surrogate pair. */
const oddString = fc.string({
  unit: fc.oneof(
    { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 4 },
    { arbitrary: fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff'), weight: 1 }
  ),
  minLength: 1,
  maxLength: 12,
});

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** RFC 3339 times of any year PostgreSQL can be handed (0001–9999) with any offset: the edges included. */
const anyTime = fc.oneof(
  fc.constantFrom(
    '0001-01-01T00:00:00Z',
    '0001-01-01T00:00:00+23:59',
    '0001-01-01T00:00:00.000000001-00:01',
    '9999-12-31T23:59:59-23:59',
    '9999-12-31T23:59:59.999999999Z',
    '1969-12-31T23:59:59Z'
  ),
  fc
    .record({
      year: fc.integer({ min: 1, max: 9999 }),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 28 }),
      hour: fc.integer({ min: 0, max: 23 }),
      minute: fc.integer({ min: 0, max: 59 }),
      sign: fc.constantFrom('+', '-'),
      offsetHours: fc.integer({ min: 0, max: 23 }),
    })
    .map(
      (t) =>
        `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:00${t.sign}${pad(t.offsetHours)}:00`
    )
);

/** JSON text nested `depth` levels deep: JSON.stringify itself cannot write it. */
const nestedText = (depth: number, kind: 'array' | 'object') =>
  kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** A placeholder in a payload that JSON text replaces once the payload is written. */
const DEEP = '@@deep@@';
const withDeep = (payload: unknown, text: string) => JSON.stringify(payload).replace(`"${DEEP}"`, text);

/** An alert of a test payload, open to any change. */
type Alert = Record<string, unknown> & {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
};

/** One way an alert can be odd: what to change in it, and what the stored signal must then show. */
interface Oddity {
  name: string;
  apply: (alert: Alert) => void;
  deep?: string;
}

const oddities: Oddity[] = [
  { name: 'NUL in a label value', apply: (a) => void (a.labels.service = 'a\u0000b') },
  { name: 'a lone surrogate in the summary', apply: (a) => void (a.annotations.summary = '\ud800 down') },
  { name: 'NUL in a label name', apply: (a) => void (a.labels['team\u0000'] = 'x') },
  { name: 'a lone surrogate in an extra field', apply: (a) => void (a.note = { text: 'x\udfff' }) },
  { name: 'startsAt in year 1', apply: (a) => void (a.startsAt = '0001-01-01T00:00:00Z') },
  { name: 'startsAt in year 10000 by its offset', apply: (a) => void (a.startsAt = '9999-12-31T23:59:59-23:59') },
  {
    name: 'a resolved endsAt in year 10000 by its offset',
    apply: (a) => {
      a.status = 'resolved';
      a.endsAt = '9999-12-31T23:59:59-23:59';
    },
  },
  {
    name: 'an extra field nested 10,000 levels deep',
    apply: (a) => void (a.extra = DEEP),
    deep: nestedText(10_000, 'object'),
  },
];

describe.each(TEST_DIALECTS)('bad input on %s', (dialect) => {
  let t: TestSidecar;
  let project: Project;
  let token: string;

  const post = (url: string, payload: string) =>
    t.sidecar.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      payload,
    });
  const stored = (fingerprint: string) =>
    t.inspect.withOwner(
      async (tx) =>
        (
          await tx.query<{
            title: string;
            labels: Record<string, string>;
            raw_data: Record<string, unknown>;
            warnings: string[];
            starts_at: Date;
            ends_at: Date | null;
          }>('SELECT title, labels, raw_data, warnings, starts_at, ends_at FROM signals WHERE fingerprint = $1', [
            fingerprint,
          ])
        ).rows
    );
  const healthy = async () =>
    expect((await t.sidecar.app.inject({ method: 'GET', url: '/health' })).json()).toMatchObject({ status: 'ok' });

  beforeAll(async () => {
    t = await createTestSidecar(dialect);
    project = (await t.call(alice, '/api/v1/projects')).json<ProjectList>().items[0]!;
    token = (
      await t.call(admin, '/api/v1/ingest-tokens', { method: 'POST', projectId: project.id, body: { name: 'fuzz' } })
    ).json<CreatedIngestToken>().token;
    // An incident and an audit entry, so that the filters below have something to filter.
    await t.call(alice, '/api/v1/incidents', { method: 'POST', projectId: project.id, body: { title: 'seed' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  describe.each(['alertmanager', 'grafana'] as const)('a %s delivery', (route) => {
    it.each(oddities)('with $name keeps every alert, the odd one made storable', async (oddity) => {
      const tag = `${route}-${oddities.indexOf(oddity)}`;
      const build = route === 'grafana' ? grafanaPayload : alertmanagerPayload;
      const payload = build(
        ['before', 'odd', 'after'].map((name) => ({ name, service: 'svc', fingerprint: `${tag}-${name}` }))
      );
      oddity.apply(payload.alerts[1] as Alert);
      const res = await post(
        `/api/v1/webhooks/${route}`,
        oddity.deep ? withDeep(payload, oddity.deep) : JSON.stringify(payload)
      );
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<IngestResult>()).toMatchObject({ received: 3, created: 3 });
      for (const name of ['before', 'after']) {
        const [row] = await stored(`${tag}-${name}`);
        expect(row?.warnings).toEqual([]);
      }
      const [odd] = await stored(`${tag}-odd`);
      expect(odd).toBeDefined();
      const text = JSON.stringify(odd);
      expect(text).not.toMatch(/\\u0000|\\ud[89a-f]/);
      switch (oddities.indexOf(oddity)) {
        case 0:
          expect(odd!.labels.service).toBe('a\ufffdb');
          break;
        case 1:
          expect(odd!.title).toBe('\ufffd down');
          break;
        case 2:
          expect(odd!.labels['team\ufffd']).toBe('x');
          break;
        case 3:
          expect(odd!.raw_data.note).toEqual({ text: 'x\ufffd' });
          break;
        case 4:
          expect(odd!.starts_at.toISOString()).toBe('1970-01-01T00:00:00.000Z');
          expect(odd!.warnings).toEqual([
            'startsAt: 0001-01-01T00:00:00Z is out of range (1970-01-01T00:00:00.000Z–9999-12-31T23:59:59.999Z); stored as 1970-01-01T00:00:00.000Z',
          ]);
          break;
        case 5:
          expect(odd!.starts_at.toISOString()).toBe('9999-12-31T23:59:59.999Z');
          expect(odd!.warnings).toEqual([
            'startsAt: 9999-12-31T23:59:59-23:59 is out of range (1970-01-01T00:00:00.000Z–9999-12-31T23:59:59.999Z); stored as 9999-12-31T23:59:59.999Z',
          ]);
          break;
        case 6:
          expect(odd!.ends_at?.toISOString()).toBe('9999-12-31T23:59:59.999Z');
          expect(odd!.warnings).toEqual([expect.stringMatching(/^endsAt: 9999-12-31T23:59:59-23:59 is out of range/)]);
          break;
        case 7:
          expect(text.length).toBeLessThan(5000);
          expect(odd!.warnings).toEqual([
            'rawData: nested deeper than 32 levels; the deeper values are stored as "(nested too deep)"',
          ]);
          break;
      }
      await healthy();
    });
  });

  it('never answers a webhook with odd fields in 5xx, and stores every alert of it (fuzz)', async () => {
    const oddAlert = fc.record(
      {
        label: fc.tuple(oddString, oddString),
        summary: oddString,
        extra: oddString,
        startsAt: anyTime,
        endsAt: anyTime,
        resolved: fc.boolean(),
        depth: fc.integer({ min: 1, max: 20_000 }),
        kind: fc.constantFrom('array' as const, 'object' as const),
      },
      { requiredKeys: [] }
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('alertmanager', 'grafana', 'signals', 'deployments'),
        fc.array(fc.option(oddAlert, { nil: undefined }), { minLength: 1, maxLength: 4 }),
        async (route, alerts) => {
          run += 1;
          const tag = `fuzz-${run}`;
          let deep: string | undefined;
          let payload: unknown;
          if (route === 'alertmanager' || route === 'grafana') {
            const build = route === 'grafana' ? grafanaPayload : alertmanagerPayload;
            const built = build(alerts.map((_, i) => ({ name: `a${i}`, service: 'svc', fingerprint: `${tag}-${i}` })));
            alerts.forEach((odd, i) => {
              const alert = built.alerts[i] as Alert;
              if (!odd) {
                return;
              }
              if (odd.label) {
                alert.labels[odd.label[0]] = odd.label[1];
              }
              if (odd.summary !== undefined) {
                alert.annotations.summary = odd.summary;
              }
              if (odd.extra !== undefined) {
                alert.extra = odd.extra;
              }
              if (odd.startsAt) {
                alert.startsAt = odd.startsAt;
              }
              if (odd.resolved) {
                alert.status = 'resolved';
                alert.endsAt = odd.endsAt ?? alert.endsAt;
              }
              if (odd.depth !== undefined && deep === undefined) {
                alert.deep = DEEP;
                deep = nestedText(odd.depth, odd.kind ?? 'array');
              }
            });
            payload = built;
          } else if (route === 'signals') {
            payload = {
              signals: alerts.map((odd, i) => ({
                title: odd?.summary ?? `signal ${i}`,
                fingerprint: `${tag}-${i}`,
                labels: odd?.label ? { [odd.label[0]]: odd.label[1] } : {},
                ...(odd?.startsAt ? { startsAt: odd.startsAt } : {}),
                ...(odd?.resolved ? { status: 'resolved', endsAt: odd.endsAt } : {}),
              })),
            };
          } else {
            const odd = alerts[0];
            payload = {
              service: odd?.extra ?? 'svc',
              version: `${tag}`,
              description: odd?.summary ?? '',
              ...(odd?.startsAt ? { time: odd.startsAt } : {}),
            };
          }
          const res = await post(
            `/api/v1/${route === 'signals' || route === 'deployments' ? route : `webhooks/${route}`}`,
            deep ? withDeep(payload, deep) : JSON.stringify(payload)
          );
          expect(res.statusCode, res.body).toBe(200);
          const result = res.json<IngestResult>();
          expect(result.received).toBe(route === 'deployments' ? 1 : alerts.length);
        }
      ),
      { numRuns: 150 }
    );
    await healthy();
  });

  it('answers out-of-range times, forged cursors and unstorable text in the filters with a 400 naming the field', async () => {
    const cursor = (text: string) => Buffer.from(text).toString('base64url');
    const cases: Array<[string, RegExp]> = [
      ['/api/v1/incidents?from=0000-01-01T00:00:00Z', /^from: /],
      ['/api/v1/incidents?to=0000-01-01T00:00:00Z', /^to: /],
      ['/api/v1/incidents?to=9999-12-31T23:59:59-23:59', /^to: /],
      ['/api/v1/audit?from=0000-01-01T00:00:00Z', /^from: /],
      ['/api/v1/audit?to=0000-12-31T23:59:59%2B00:00', /^to: /],
      [`/api/v1/incidents?cursor=${cursor('0|0b4f3a3e-5d49-4d8e-9f5e-2f1c7f2c6a11')}`, /^cursor: /],
      [
        `/api/v1/incidents?cursor=${cursor('0000-01-01T00:00:00.000Z|0b4f3a3e-5d49-4d8e-9f5e-2f1c7f2c6a11')}`,
        /^cursor: /,
      ],
      [`/api/v1/incidents?cursor=${cursor(`2026-01-01T00:00:00.000Z|${'-'.repeat(36)}`)}`, /^cursor: /],
      ['/api/v1/incidents?q=a%00b', /^q: /],
      ['/api/v1/incidents?service=%00', /^service: /],
      ['/api/v1/audit?action=x%00', /^action: /],
      ['/api/v1/audit?resourceId=%00', /^resourceId: /],
      ['/api/v1/audit?actorId=%00', /^actorId: /],
      ['/api/v1/audit?resourceType=%00', /^resourceType: /],
    ];
    for (const [url, message] of cases) {
      const res = await t.call(alice, url, { projectId: project.id });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
      expect(res.json().error.message, url).toMatch(message);
    }

    const encode = (text: string) =>
      [...Buffer.from(text.toWellFormed())].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    const oddParam = fc.oneof(
      fc.record({ name: fc.constantFrom('from', 'to'), value: anyTime.map(encodeURIComponent) }),
      fc.record({
        name: fc.constantFrom('from', 'to'),
        value: fc.constantFrom('0000-01-01T00:00:00Z', '0000-06-01T00:00:00%2B01:00'),
      }),
      fc.record({
        name: fc.constantFrom('q', 'service', 'action', 'resourceId'),
        value: oddString.map((s) => encode(s).replaceAll('%ef%bf%bd', '%00')),
      }),
      fc.record({
        name: fc.constant('cursor'),
        value: fc
          .tuple(
            fc.oneof(anyTime, fc.constantFrom('0', '1', '0000-01-01T00:00:00.000Z', '-000001-01-01T00:00:00.000Z')),
            fc.oneof(fc.uuid(), fc.constantFrom('-'.repeat(36), '0'.repeat(36)))
          )
          .map(([at, id]) => cursor(`${at}|${id}`)),
      }),
      fc.record({ name: fc.constant('cursor'), value: fc.stringMatching(/^\d{1,15}$/) })
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('incidents', 'audit'), oddParam, async (resource, param) => {
        // The same kind of filter under each resource's own name.
        const renamed: Record<string, Record<string, string>> = {
          incidents: { action: 'q', resourceId: 'service' },
          audit: { q: 'action', service: 'resourceId' },
        };
        const name = renamed[resource]![param.name] ?? param.name;
        const value = resource === 'audit' && param.name === 'cursor' && !/^\d+$/.test(param.value) ? '1' : param.value;
        const res = await t.call(alice, `/api/v1/${resource}?${name}=${value}`, { projectId: project.id });
        expect(res.statusCode === 200 || res.statusCode === 400, `${resource} ${name}=${value}: ${res.body}`).toBe(
          true
        );
        if (res.statusCode === 400) {
          expect(res.json().error.message).toMatch(new RegExp(`^${name}: `));
        }
      }),
      { numRuns: 300 }
    );
    await healthy();
  });

  it('logs the database error behind a 503 with its context, and no token', async () => {
    await t.sidecar.db.withOwner((tx) =>
      tx.query("ALTER TABLE signals ADD CONSTRAINT refused_for_test CHECK (title <> 'refused by the database')")
    );
    try {
      const payload = alertmanagerPayload([{ name: 'refused', service: 'svc', fingerprint: 'refused' }]);
      payload.alerts[0]!.annotations.summary = 'refused by the database';
      const res = await post('/api/v1/webhooks/alertmanager', JSON.stringify(payload));
      expect(res.statusCode).toBe(503);
      const line = t.logs.find((l) => l.includes('signals could not be stored'));
      expect(line).toBeDefined();
      const entry = JSON.parse(line!);
      expect(entry).toMatchObject({ orgId: 1, projectId: project.id, signals: 1 });
      expect(JSON.stringify(entry.err)).toContain('refused_for_test');
      expect(t.logs.join('\n')).not.toContain(token);
    } finally {
      await t.sidecar.db.withOwner((tx) => tx.query('ALTER TABLE signals DROP CONSTRAINT refused_for_test'));
    }
    await healthy();
  });
});
