import { describe, expect, it } from 'vitest';
import { normalizeSeverity, SEVERITIES, severityRank, worstSeverity, type Severity } from './severity.ts';

describe('normalizeSeverity', () => {
  it('keeps each severity of its own name', () => {
    for (const severity of SEVERITIES) {
      expect(normalizeSeverity({ severity })).toBe(severity);
    }
  });

  it.each<[string, Severity]>([
    ['crit', 'critical'],
    ['fatal', 'critical'],
    ['emergency', 'critical'],
    ['page', 'critical'],
    ['disaster', 'critical'],
    ['P0', 'critical'],
    ['p1', 'critical'],
    ['SEV1', 'critical'],
    ['error', 'high'],
    ['err', 'high'],
    ['major', 'high'],
    ['p2', 'high'],
    ['sev2', 'high'],
    ['warn', 'warning'],
    ['medium', 'warning'],
    ['minor', 'warning'],
    ['average', 'warning'],
    ['p3', 'warning'],
    ['sev3', 'warning'],
    ['informational', 'info'],
    ['low', 'info'],
    ['none', 'info'],
    ['ok', 'info'],
    ['p4', 'info'],
    ['p5', 'info'],
    ['sev4', 'info'],
    ['sev5', 'info'],
  ])('maps the alias %s to %s', (word, severity) => {
    expect(normalizeSeverity({ severity: word })).toBe(severity);
  });

  it('ignores case, surrounding space and the separators people write between the parts', () => {
    expect(normalizeSeverity({ severity: '  CRITICAL ' })).toBe('critical');
    expect(normalizeSeverity({ severity: 'Sev 1' })).toBe('critical');
    expect(normalizeSeverity({ severity: 'sev-2' })).toBe('high');
    expect(normalizeSeverity({ severity: 'SEV_3' })).toBe('warning');
    expect(normalizeSeverity({ severity: 'in_for-mational' })).toBe('info');
  });

  it('reads severity, then priority, then level, passing over a label whose value it does not know', () => {
    expect(normalizeSeverity({ priority: 'p1' })).toBe('critical');
    expect(normalizeSeverity({ level: 'error' })).toBe('high');
    expect(normalizeSeverity({ severity: 'info', priority: 'p1', level: 'error' })).toBe('info');
    expect(normalizeSeverity({ severity: 'bogus', priority: 'p1' })).toBe('critical');
    expect(normalizeSeverity({ severity: '', priority: '   ', level: 'minor' })).toBe('warning');
    expect(normalizeSeverity({ severity: '  ', level: 'ok' })).toBe('info');
  });

  it('takes no member of Object.prototype for a severity word', () => {
    for (const word of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(normalizeSeverity({ severity: word })).toBe('warning');
      expect(normalizeSeverity({ priority: word })).toBe('warning');
      expect(normalizeSeverity({ level: word })).toBe('warning');
    }
    expect(normalizeSeverity({ severity: 'constructor', priority: 'p1' })).toBe('critical');
  });

  it('falls back to warning for a missing, empty or unknown severity', () => {
    expect(normalizeSeverity({})).toBe('warning');
    expect(normalizeSeverity({ severity: '' })).toBe('warning');
    expect(normalizeSeverity({ severity: 'unknown', priority: 'urgent', level: '9' })).toBe('warning');
    // Only these three label names are read, and only in lower case.
    expect(normalizeSeverity({ sev: 'critical', Severity: 'critical', alertname: 'critical' })).toBe('warning');
  });
});

describe('severityRank and worstSeverity', () => {
  it('ranks critical first and info last', () => {
    expect(SEVERITIES.map(severityRank)).toEqual([0, 1, 2, 3]);
    expect(severityRank('critical')).toBeLessThan(severityRank('high'));
    expect(severityRank('warning')).toBeLessThan(severityRank('info'));
  });

  it('gives the worst severity of any iterable, info when there is none', () => {
    expect(worstSeverity([])).toBe('info');
    expect(worstSeverity(['info', 'warning', 'high', 'warning'])).toBe('high');
    expect(worstSeverity(['high', 'critical', 'info'])).toBe('critical');
    expect(worstSeverity(new Set<Severity>(['warning', 'info']))).toBe('warning');
    function* generated(): Generator<Severity> {
      yield 'info';
      yield 'critical';
    }
    expect(worstSeverity(generated())).toBe('critical');
  });
});
