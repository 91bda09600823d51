import type { AlertmanagerWebhook, deploymentBody, GrafanaWebhook, signalsBody } from '../contract/index.ts';
import type { z } from 'zod';
import { normalizeSeverity } from './severity.ts';
import { fingerprintLabels, serviceOf, signalTime, type SignalDraft } from './signal.ts';

export interface NormalizeOptions {
  /** Label names that name the service, first match wins (default service, job, app). */
  serviceLabels: readonly string[];
  /** Arrival time, ISO 8601: the start of signals that carry none. */
  receivedAt: string;
}

/** Alertmanager and Grafana write this while an alert has no end. */
const ZERO_TIME = /^0001-01-01T/;

type AnyAlert = AlertmanagerWebhook['alerts'][number] & Partial<GrafanaWebhook['alerts'][number]>;

function alertDraft(
  alert: AnyAlert,
  group: AlertmanagerWebhook | GrafanaWebhook,
  source: 'alertmanager' | 'grafana',
  options: NormalizeOptions
): SignalDraft {
  const labels = { ...alert.labels };
  const annotations = { ...group.commonAnnotations, ...alert.annotations };
  const warnings =
    group.truncatedAlerts > 0 ? [`truncated: the sender left out ${group.truncatedAlerts} alerts of this group`] : [];
  const startsAt = signalTime(alert.startsAt, 'startsAt', warnings);
  const endsAt = alert.endsAt && !ZERO_TIME.test(alert.endsAt) ? signalTime(alert.endsAt, 'endsAt', warnings) : null;
  return {
    signalType: 'alert',
    source,
    fingerprint: alert.fingerprint ?? fingerprintLabels(labels),
    status: alert.status,
    severity: normalizeSeverity(labels),
    title: (annotations.summary || labels.alertname || annotations.title || 'Alert').slice(0, 500),
    description: (annotations.description || annotations.message || '').slice(0, 10_000),
    service: serviceOf(labels, options.serviceLabels),
    groupKey: group.groupKey ?? null,
    labels,
    // The alert's own annotations are in rawData; the group's common ones are kept here.
    normalizedData: {
      ...(Object.keys(group.commonAnnotations).length ? { commonAnnotations: group.commonAnnotations } : {}),
      receiver: group.receiver,
      externalUrl: group.externalURL,
      ...(alert.dashboardURL ? { dashboardUrl: alert.dashboardURL } : {}),
      ...(alert.panelURL ? { panelUrl: alert.panelURL } : {}),
      ...(alert.silenceURL ? { silenceUrl: alert.silenceURL } : {}),
      ...(alert.valueString ? { valueString: alert.valueString } : {}),
    },
    rawData: capDepth(rawRemainder(alert), warnings),
    generatorUrl: alert.generatorURL || null,
    values: alert.values ?? null,
    warnings,
    startsAt,
    endsAt: alert.status === 'resolved' ? (endsAt ?? options.receivedAt) : null,
  };
}

/**
 * What the alert carried beyond what its own columns keep verbatim (labels, status, fingerprint, generator URL,
 * values): with those columns the alert as sent can be put back together, and each row does not store its labels
 * twice. Times stay as sent (the columns hold them normalized).
 */
function rawRemainder(alert: AnyAlert): Record<string, unknown> {
  const { labels: _labels, status: _status, fingerprint: _fingerprint, generatorURL, values, ...rest } = alert;
  const raw: Record<string, unknown> = rest;
  // An empty URL and null values are stored as null in their columns: keep them here as sent.
  if (generatorURL === '') {
    raw.generatorURL = generatorURL;
  }
  if (values === null) {
    raw.values = values;
  }
  return raw;
}

/**
 * How deep the raw data of a signal may nest. Alerts carry flat maps; a sender's extra field nested thousands of
 * levels deep would exhaust the stack of whatever serializes it (JSON.stringify, the database's JSON parser).
 */
const MAX_RAW_DEPTH = 32;
const TOO_DEEP = '(nested too deep)';

/** Whether `value` holds objects or arrays deeper than `levels` below it; stops at the first that does. */
function nestsDeeper(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  if (levels === 0) {
    return true;
  }
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    if (nestsDeeper(item, levels - 1)) {
      return true;
    }
  }
  return false;
}

/** A copy of `value` in which each object or array `levels` below it is replaced by TOO_DEEP. */
function cut(value: unknown, levels: number): unknown {
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  if (levels === 0) {
    return TOO_DEEP;
  }
  if (Array.isArray(value)) {
    return value.map((item) => cut(item, levels - 1));
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, cut(item, levels - 1)]));
}

/** Raw data nested at most MAX_RAW_DEPTH levels deep, with a warning when deeper values had to be left out. */
function capDepth(raw: Record<string, unknown>, warnings: string[]): Record<string, unknown> {
  if (!nestsDeeper(raw, MAX_RAW_DEPTH)) {
    return raw;
  }
  warnings.push(`rawData: nested deeper than ${MAX_RAW_DEPTH} levels; the deeper values are stored as "${TOO_DEEP}"`);
  return cut(raw, MAX_RAW_DEPTH) as Record<string, unknown>;
}

/** Alertmanager webhook (version 4): one signal per alert. */
export function normalizeAlertmanager(payload: AlertmanagerWebhook, options: NormalizeOptions): SignalDraft[] {
  return payload.alerts.map((alert) => alertDraft(alert, payload, 'alertmanager', options));
}

/** Grafana webhook contact point (version 1): one signal per alert, with values and panel links kept. */
export function normalizeGrafana(payload: GrafanaWebhook, options: NormalizeOptions): SignalDraft[] {
  return payload.alerts.map((alert) => alertDraft(alert, payload, 'grafana', options));
}

/** Signals of other sources, already in the normalized shape. */
export function normalizeSignals(body: z.output<typeof signalsBody>, options: NormalizeOptions): SignalDraft[] {
  return body.signals.map((s) => {
    const labels = { ...s.labels, ...(s.service ? { service: s.service } : {}) };
    const warnings: string[] = [];
    const startsAt = s.startsAt ? signalTime(s.startsAt, 'startsAt', warnings) : options.receivedAt;
    const endsAt = s.endsAt ? signalTime(s.endsAt, 'endsAt', warnings) : null;
    return {
      signalType: s.type,
      source: s.source,
      fingerprint: s.fingerprint ?? fingerprintLabels({ ...labels, __title: s.title }),
      status: s.status,
      severity: s.severity ?? normalizeSeverity(labels),
      title: s.title,
      description: s.description,
      service: s.service ?? serviceOf(labels, options.serviceLabels),
      groupKey: null,
      labels,
      normalizedData: {},
      rawData: s as Record<string, unknown>,
      generatorUrl: s.generatorUrl ?? null,
      values: s.values ?? null,
      warnings,
      startsAt,
      endsAt: endsAt ?? (s.status === 'resolved' ? options.receivedAt : null),
    };
  });
}

/** A deployment is a point-in-time change event: stored resolved at once, context for incidents, never one. */
export function normalizeDeployment(body: z.output<typeof deploymentBody>, options: NormalizeOptions): SignalDraft {
  const warnings: string[] = [];
  const at = body.time ? signalTime(body.time, 'time', warnings) : options.receivedAt;
  const labels = {
    service: body.service,
    version: body.version,
    ...(body.environment ? { environment: body.environment } : {}),
  };
  return {
    signalType: 'deployment',
    source: 'api',
    fingerprint: fingerprintLabels(labels),
    status: 'resolved',
    severity: 'info',
    title: `Deployed ${body.service} ${body.version}${body.environment ? ` to ${body.environment}` : ''}`.slice(0, 500),
    description: body.description,
    service: body.service,
    groupKey: null,
    labels,
    normalizedData: { author: body.author, environment: body.environment, version: body.version },
    rawData: body as Record<string, unknown>,
    generatorUrl: null,
    values: null,
    warnings,
    startsAt: at,
    endsAt: at,
  };
}
