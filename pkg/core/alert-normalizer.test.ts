import { describe, expect, it } from 'vitest';
import { alertmanagerWebhook, deploymentBody, grafanaWebhook, signalsBody } from '../contract/index.ts';
import {
  normalizeAlertmanager,
  normalizeDeployment,
  normalizeGrafana,
  normalizeSignals,
  type NormalizeOptions,
} from './alert-normalizer.ts';
import { fingerprintLabels } from './signal.ts';

const RECEIVED = '2024-05-01T12:30:00.000Z';
const OPTIONS: NormalizeOptions = { serviceLabels: ['service', 'job', 'app'], receivedAt: RECEIVED };
const ZERO = '0001-01-01T00:00:00Z';

/** A webhook as the route hands it over: parsed by the contract's schema, so its defaults are filled in. */
function alertmanager(alerts: unknown[], group: Record<string, unknown> = {}) {
  return alertmanagerWebhook.parse({ version: '4', status: 'firing', receiver: 'copilot', alerts, ...group });
}

function grafana(alerts: unknown[], group: Record<string, unknown> = {}) {
  return grafanaWebhook.parse({ version: '1', status: 'firing', receiver: 'copilot', alerts, ...group });
}

const firing = {
  status: 'firing',
  labels: { alertname: 'HighLatency', severity: 'critical', job: 'checkout' },
  annotations: { summary: 'p99 above 2 s', description: 'checkout is slow' },
  startsAt: '2024-05-01T14:00:00+02:00',
  endsAt: ZERO,
  generatorURL: 'http://prometheus/graph?g0.expr=x',
  fingerprint: 'f00d',
};

describe('normalizeAlertmanager', () => {
  it('makes one alert signal per alert, with times in UTC and the service from the first service label set', () => {
    const payload = alertmanager([firing], { groupKey: '{}:{alertname="HighLatency"}', externalURL: 'http://am' });
    const [draft, ...rest] = normalizeAlertmanager(payload, OPTIONS);
    expect(rest).toEqual([]);
    expect(draft).toMatchObject({
      signalType: 'alert',
      source: 'alertmanager',
      fingerprint: 'f00d',
      status: 'firing',
      severity: 'critical',
      title: 'p99 above 2 s',
      description: 'checkout is slow',
      service: 'checkout',
      groupKey: '{}:{alertname="HighLatency"}',
      labels: firing.labels,
      normalizedData: { receiver: 'copilot', externalUrl: 'http://am' },
      generatorUrl: firing.generatorURL,
      values: null,
      warnings: [],
      startsAt: '2024-05-01T12:00:00.000Z',
      endsAt: null,
    });
    expect(draft!.labels).not.toBe(payload.alerts[0]!.labels);
  });

  it('normalizes an alert with no labels, annotations, fingerprint or group key to safe defaults', () => {
    const [draft] = normalizeAlertmanager(
      alertmanager([{ status: 'firing', labels: {}, startsAt: '2024-05-01T12:00:00Z' }]),
      OPTIONS
    );
    expect(draft).toMatchObject({
      fingerprint: fingerprintLabels({}),
      severity: 'warning',
      title: 'Alert',
      description: '',
      service: null,
      groupKey: null,
      labels: {},
      generatorUrl: null,
      endsAt: null,
    });
  });

  it('fingerprints an alert without one by its label set, whatever the label order', () => {
    const alert = { status: 'firing', labels: { b: '2', a: '1' }, startsAt: '2024-05-01T12:00:00Z' };
    const reordered = { ...alert, labels: { a: '1', b: '2' } };
    const [first] = normalizeAlertmanager(alertmanager([alert]), OPTIONS);
    const [second] = normalizeAlertmanager(alertmanager([reordered]), OPTIONS);
    expect(first!.fingerprint).toBe(fingerprintLabels({ a: '1', b: '2' }));
    expect(second!.fingerprint).toBe(first!.fingerprint);
  });

  it('titles an alert by its summary, else its alert name, else its title annotation, cut to 500 characters', () => {
    const title = (labels: Record<string, string>, annotations: Record<string, string>) =>
      normalizeAlertmanager(
        alertmanager([{ status: 'firing', labels, annotations, startsAt: '2024-05-01T12:00:00Z' }]),
        OPTIONS
      )[0]!.title;
    expect(title({ alertname: 'Down' }, { summary: 'Summary', title: 'Title' })).toBe('Summary');
    expect(title({ alertname: 'Down' }, { summary: '', title: 'Title' })).toBe('Down');
    expect(title({}, { title: 'Title' })).toBe('Title');
    expect(title({}, { summary: 's'.repeat(600) })).toBe('s'.repeat(500));
  });

  it('describes an alert by its description, else its message, cut to 10 000 characters', () => {
    const description = (annotations: Record<string, string>) =>
      normalizeAlertmanager(
        alertmanager([{ status: 'firing', labels: {}, annotations, startsAt: '2024-05-01T12:00:00Z' }]),
        OPTIONS
      )[0]!.description;
    expect(description({ description: 'D', message: 'M' })).toBe('D');
    expect(description({ message: 'M' })).toBe('M');
    expect(description({ description: 'd'.repeat(4096), message: 'M' })).toHaveLength(4096);
  });

  it('ends a resolved alert at its end time, or at arrival when it has none; a firing alert has no end', () => {
    const ends = (status: string, endsAt?: string) =>
      normalizeAlertmanager(
        alertmanager([{ status, labels: {}, startsAt: '2024-05-01T12:00:00Z', ...(endsAt ? { endsAt } : {}) }]),
        OPTIONS
      )[0]!.endsAt;
    expect(ends('resolved', '2024-05-01T12:10:00+00:00')).toBe('2024-05-01T12:10:00.000Z');
    expect(ends('resolved', ZERO)).toBe(RECEIVED);
    expect(ends('resolved')).toBe(RECEIVED);
    // Alertmanager sends a firing alert with the time it would time out at: not an end.
    expect(ends('firing', '2024-05-01T12:15:00Z')).toBeNull();
    expect(ends('firing', ZERO)).toBeNull();
  });

  it('lets the alert annotations override those of the group, and keeps the group ones in the normalized data', () => {
    const payload = alertmanager([{ ...firing, annotations: { summary: 'own' } }], {
      commonAnnotations: { summary: 'common', runbook: 'http://runbook' },
    });
    const [draft] = normalizeAlertmanager(payload, OPTIONS);
    expect(draft!.title).toBe('own');
    expect(draft!.normalizedData).toEqual({
      commonAnnotations: { summary: 'common', runbook: 'http://runbook' },
      receiver: 'copilot',
      externalUrl: '',
    });
  });

  it('warns when the sender left alerts of the group out', () => {
    const [draft] = normalizeAlertmanager(alertmanager([firing], { truncatedAlerts: 3 }), OPTIONS);
    expect(draft!.warnings).toEqual(['truncated: the sender left out 3 alerts of this group']);
  });

  it('keeps in the raw data what the columns do not hold verbatim, with the times as sent', () => {
    const payload = alertmanager([{ ...firing, generatorURL: '', extra: { nested: true } }]);
    const [draft] = normalizeAlertmanager(payload, OPTIONS);
    expect(draft!.generatorUrl).toBeNull();
    expect(draft!.rawData).toEqual({
      annotations: firing.annotations,
      startsAt: firing.startsAt,
      endsAt: ZERO,
      generatorURL: '',
      extra: { nested: true },
    });
  });

  it('gives no signal for a webhook without alerts', () => {
    expect(normalizeAlertmanager(alertmanager([]), OPTIONS)).toEqual([]);
  });
});

describe('normalizeGrafana', () => {
  it('keeps the values and the links Grafana sends', () => {
    const alert = {
      ...firing,
      values: { A: 2.5, B: null },
      valueString: '[ var=A value=2.5 ]',
      dashboardURL: 'http://grafana/d/1',
      panelURL: 'http://grafana/d/1?viewPanel=2',
      silenceURL: 'http://grafana/alerting/silence/new',
    };
    const [draft] = normalizeGrafana(grafana([alert]), OPTIONS);
    expect(draft).toMatchObject({
      source: 'grafana',
      values: { A: 2.5, B: null },
      normalizedData: {
        receiver: 'copilot',
        externalUrl: '',
        dashboardUrl: alert.dashboardURL,
        panelUrl: alert.panelURL,
        silenceUrl: alert.silenceURL,
        valueString: alert.valueString,
      },
    });
    expect(draft!.rawData).not.toHaveProperty('values');
  });

  it('stores null values as no values, and keeps them as sent in the raw data', () => {
    const [draft] = normalizeGrafana(grafana([{ ...firing, values: null }]), OPTIONS);
    expect(draft!.values).toBeNull();
    expect(draft!.rawData.values).toBeNull();
    expect(draft!.normalizedData).toEqual({ receiver: 'copilot', externalUrl: '' });
  });
});

describe('normalizeSignals', () => {
  const signals = (body: unknown) => normalizeSignals(signalsBody.parse(body), OPTIONS);

  it('fills in the defaults: an alert from the API, firing, starting at arrival, severity from the labels', () => {
    const [draft] = signals({ signals: [{ title: 'Queue backlog', labels: { priority: 'p2', app: 'worker' } }] });
    expect(draft).toMatchObject({
      signalType: 'alert',
      source: 'api',
      status: 'firing',
      severity: 'high',
      title: 'Queue backlog',
      description: '',
      service: 'worker',
      groupKey: null,
      labels: { priority: 'p2', app: 'worker' },
      normalizedData: {},
      generatorUrl: null,
      values: null,
      warnings: [],
      startsAt: RECEIVED,
      endsAt: null,
    });
  });

  it('names the service in the labels when one is given, over a service label', () => {
    const [draft] = signals({ signals: [{ title: 'x', service: 'checkout', labels: { service: 'other', job: 'j' } }] });
    expect(draft!.service).toBe('checkout');
    expect(draft!.labels).toEqual({ service: 'checkout', job: 'j' });
  });

  it('prefers a given severity to the labels', () => {
    const [draft] = signals({ signals: [{ title: 'x', severity: 'info', labels: { severity: 'critical' } }] });
    expect(draft!.severity).toBe('info');
  });

  it('fingerprints a signal without one by its labels and title', () => {
    const [a, b, c] = signals({
      signals: [
        { title: 'Disk full', labels: { host: 'h1' } },
        { title: 'Disk full', labels: { host: 'h1' } },
        { title: 'Disk slow', labels: { host: 'h1' } },
      ],
    });
    expect(a!.fingerprint).toBe(fingerprintLabels({ host: 'h1', __title: 'Disk full' }));
    expect(b!.fingerprint).toBe(a!.fingerprint);
    expect(c!.fingerprint).not.toBe(a!.fingerprint);
  });

  it('ends a resolved signal at its end time, or at arrival when it has none', () => {
    const [given, missing] = signals({
      signals: [
        { title: 'x', status: 'resolved', startsAt: '2024-05-01T11:00:00Z', endsAt: '2024-05-01T13:10:00+01:00' },
        { title: 'y', status: 'resolved', startsAt: '2024-05-01T11:00:00Z' },
      ],
    });
    expect(given!.startsAt).toBe('2024-05-01T11:00:00.000Z');
    expect(given!.endsAt).toBe('2024-05-01T12:10:00.000Z');
    expect(missing!.endsAt).toBe(RECEIVED);
  });

  it('keeps the signal as sent (after the defaults of the schema) in the raw data', () => {
    const body = signalsBody.parse({ signals: [{ title: 'x', type: 'log', generatorUrl: 'http://logs' }] });
    const [draft] = normalizeSignals(body, OPTIONS);
    expect(draft!.rawData).toBe(body.signals[0]);
    expect(draft).toMatchObject({ signalType: 'log', generatorUrl: 'http://logs' });
  });
});

describe('normalizeDeployment', () => {
  const deployment = (body: unknown) => normalizeDeployment(deploymentBody.parse(body), OPTIONS);

  it('is a resolved info signal that starts and ends at its time', () => {
    const draft = deployment({
      service: 'checkout',
      version: 'v42',
      environment: 'prod',
      author: 'ana',
      time: '2024-05-01T13:00:00+01:00',
    });
    expect(draft).toMatchObject({
      signalType: 'deployment',
      source: 'api',
      status: 'resolved',
      severity: 'info',
      title: 'Deployed checkout v42 to prod',
      service: 'checkout',
      groupKey: null,
      labels: { service: 'checkout', version: 'v42', environment: 'prod' },
      normalizedData: { author: 'ana', environment: 'prod', version: 'v42' },
      generatorUrl: null,
      values: null,
      startsAt: '2024-05-01T12:00:00.000Z',
      endsAt: '2024-05-01T12:00:00.000Z',
    });
    expect(draft.fingerprint).toBe(fingerprintLabels({ service: 'checkout', version: 'v42', environment: 'prod' }));
  });

  it('leaves out an empty environment and happens at arrival without a time', () => {
    const draft = deployment({ service: 'checkout', version: 'v42' });
    expect(draft.title).toBe('Deployed checkout v42');
    expect(draft.labels).toEqual({ service: 'checkout', version: 'v42' });
    expect(draft.startsAt).toBe(RECEIVED);
    expect(draft.endsAt).toBe(RECEIVED);
    expect(draft.fingerprint).toBe(fingerprintLabels({ service: 'checkout', version: 'v42' }));
  });

  it('cuts a long title to 500 characters', () => {
    const draft = deployment({ service: 's'.repeat(200), version: 'v'.repeat(200), environment: 'e'.repeat(100) });
    expect(draft.title).toHaveLength(500);
  });
});
