export const SEVERITIES = ['critical', 'high', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A Map, not an object literal: a label such as `constructor` must not find `Object.prototype`'s members. */
const WORDS = new Map<string, Severity>(
  Object.entries({
    critical: 'critical',
    crit: 'critical',
    fatal: 'critical',
    emergency: 'critical',
    page: 'critical',
    disaster: 'critical',
    p0: 'critical',
    p1: 'critical',
    sev1: 'critical',
    high: 'high',
    error: 'high',
    err: 'high',
    major: 'high',
    p2: 'high',
    sev2: 'high',
    warning: 'warning',
    warn: 'warning',
    medium: 'warning',
    minor: 'warning',
    average: 'warning',
    p3: 'warning',
    sev3: 'warning',
    info: 'info',
    informational: 'info',
    low: 'info',
    none: 'info',
    ok: 'info',
    p4: 'info',
    p5: 'info',
    sev4: 'info',
    sev5: 'info',
  } satisfies Record<string, Severity>)
);

/** Normalizes the `severity` (else `priority`) label; unknown or missing → warning. */
export function normalizeSeverity(labels: Record<string, string>): Severity {
  for (const key of ['severity', 'priority', 'level']) {
    const value = labels[key]
      ?.trim()
      .toLowerCase()
      .replace(/[\s_-]/g, '');
    const severity = value ? WORDS.get(value) : undefined;
    if (severity) {
      return severity;
    }
  }
  return 'warning';
}

/** Lower rank = worse. */
export const severityRank = (s: Severity) => SEVERITIES.indexOf(s);

export function worstSeverity(values: Iterable<Severity>): Severity {
  let worst: Severity = 'info';
  for (const value of values) {
    if (severityRank(value) < severityRank(worst)) {
      worst = value;
    }
  }
  return worst;
}
