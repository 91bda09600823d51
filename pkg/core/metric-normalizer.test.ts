import { describe, expect, it } from 'vitest';
import type { StepResult } from './anomaly/detector.ts';
import {
  alignTick,
  assessPoint,
  evaluationTime,
  isDue,
  metricSignalDraft,
  renderQuery,
  renderService,
  seriesKey,
  templateIntervalMs,
  type SeriesSignalState,
} from './metric-normalizer.ts';
import { queryTemplateSchema } from '../contract/index.ts';
import { signalHash } from './signal.ts';

const MIN = 60_000;

function result(score: number, sigma: number): StepResult {
  return {
    score,
    explanation: {
      sigma,
      direction: sigma >= 0 ? 'up' : 'down',
      persistence: 0,
      baseline: { level: 0.01, spread: 0.002 },
      reason: 'test',
    },
  };
}

describe('schedules', () => {
  it('critical templates run at the base interval, standard ones five times less often, an explicit interval wins', () => {
    const base = MIN;
    expect(templateIntervalMs({ tier: 'critical' }, base)).toBe(MIN);
    expect(templateIntervalMs({ tier: 'standard' }, base)).toBe(5 * MIN);
    expect(templateIntervalMs({ tier: 'standard', intervalSeconds: 120 }, base)).toBe(2 * MIN);
  });

  it('a template is due exactly once per own interval, at the ticks that cross its boundaries', () => {
    const base = MIN;
    const start = alignTick(Date.UTC(2026, 10, 29, 10, 0, 30), base);
    expect(start).toBe(Date.UTC(2026, 10, 29, 10, 0));
    for (const interval of [MIN, 5 * MIN, 90_000, 7 * MIN]) {
      const due: number[] = [];
      for (let tick = start; tick < start + 70 * MIN; tick += base) {
        if (isDue(interval, tick, base)) {
          due.push(tick);
        }
      }
      // Every boundary of the template's interval in the window is evaluated once, by the first tick at or after it.
      const evaluated = due.map((tick) => evaluationTime(interval, tick));
      expect(new Set(evaluated).size).toBe(evaluated.length);
      const boundaries: number[] = [];
      for (let b = Math.ceil(start / interval) * interval; b <= start + 69 * MIN; b += interval) {
        boundaries.push(b);
      }
      expect(evaluated).toEqual(boundaries);
      for (const tick of due) {
        expect(tick - evaluationTime(interval, tick)).toBeLessThan(base);
      }
    }
  });
});

describe('rendering', () => {
  it('puts the label filter where the template says, or nothing', () => {
    const q = 'sum by (service) (rate(http_requests_total{code=~"5..", {{filter}} }[5m]))';
    expect(renderQuery(q, 'namespace="pay"')).toBe(
      'sum by (service) (rate(http_requests_total{code=~"5..", namespace="pay" }[5m]))'
    );
    expect(renderQuery(q, undefined)).toBe('sum by (service) (rate(http_requests_total{code=~"5..",  }[5m]))');
  });

  it('names the service from the series labels; nothing when the labels are missing', () => {
    expect(renderService('{{service}}', { service: 'checkout' })).toBe('checkout');
    expect(renderService('{{ namespace }}/{{deployment}}', { namespace: 'shop', deployment: 'api' })).toBe('shop/api');
    expect(renderService('{{namespace}}/{{deployment}}', {})).toBeNull();
    expect(renderService('{{service}}', {})).toBeNull();
  });

  it('keeps the dedup key of a signal stable across versions (rows stored earlier must still match)', () => {
    // sha256 of "fp-1", NUL, the start in ISO form; its first 128 bits as a UUID (value pinned from an earlier release).
    expect(signalHash('fp-1', '2026-01-02T03:04:05Z')).toBe('9d970563-4160-7ca9-6b90-c24a2aeccbba');
    expect(signalHash('fp-1', '2026-01-02T04:04:05+01:00')).toBe('9d970563-4160-7ca9-6b90-c24a2aeccbba');
  });

  it('keys a series by integration, template and label set, independent of label order', () => {
    const a = seriesKey('i1', 'error-ratio', { service: 'a', env: 'prod' });
    expect(seriesKey('i1', 'error-ratio', { env: 'prod', service: 'a' })).toBe(a);
    expect(seriesKey('i2', 'error-ratio', { service: 'a', env: 'prod' })).not.toBe(a);
    expect(seriesKey('i1', 'latency', { service: 'a', env: 'prod' })).not.toBe(a);
    expect(seriesKey('i1', 'error-ratio', { service: 'a=b', env: 'prod' })).not.toBe(
      seriesKey('i1', 'error-ratio', { service: 'a', env: 'prod' })
    );
  });
});

describe('the life of a metric signal', () => {
  const closed: SeriesSignalState = { openSince: null, calmPoints: 0 };

  it('opens on a strong onset on the bad side only', () => {
    expect(assessPoint(closed, result(0.9, 8), 'up', 0.5, 1000).action).toBe('open');
    expect(assessPoint(closed, result(0.9, -8), 'up', 0.5, 1000).action).toBeNull();
    expect(assessPoint(closed, result(0.9, -8), 'down', 0.5, 1000).action).toBe('open');
    expect(assessPoint(closed, result(0.9, -8), 'both', 0.5, 1000).action).toBe('open');
    // Below the threshold, or too close to the baseline, nothing opens.
    expect(assessPoint(closed, result(0.4, 8), 'up', 0.5, 1000).action).toBeNull();
    expect(assessPoint(closed, result(0.9, 2.5), 'up', 0.5, 1000).action).toBeNull();
  });

  it('stays open while the deviation lasts and resolves after two calm points in a row', () => {
    let state = assessPoint(closed, result(0.9, 8), 'up', 0.5, 1000).next;
    expect(state.openSince).toBe(1000);
    // An ongoing deviation scores low (onset emphasis) but keeps the signal open.
    for (const sigma of [7, 6, 1, 5]) {
      const step = assessPoint(state, result(0.01, sigma), 'up', 0.5, 2000);
      expect(step.action).toBeNull();
      state = step.next;
    }
    const first = assessPoint(state, result(0, 0.5), 'up', 0.5, 3000);
    expect(first.action).toBeNull();
    const second = assessPoint(first.next, result(0, -1), 'up', 0.5, 4000);
    expect(second.action).toBe('resolve');
    expect(second.next).toEqual(closed);
  });

  it('drafts a metric signal that deduplicates on series and onset, and resolves the same row', () => {
    const template = queryTemplateSchema.parse({
      name: 'error-ratio',
      description: 'Error ratio',
      query: 'x',
      direction: 'up',
      tier: 'critical',
      unit: 'ratio',
    });
    const base = {
      integrationId: 'i1',
      integrationName: 'prom',
      template,
      seriesKey: seriesKey('i1', 'error-ratio', { service: 'checkout' }),
      labels: { service: 'checkout' },
      service: 'checkout',
      value: 0.31,
      result: result(0.93, 42),
      openSince: Date.UTC(2026, 10, 29, 10, 0),
    };
    const firing = metricSignalDraft({ ...base, atMs: base.openSince, status: 'firing' });
    const resolved = metricSignalDraft({ ...base, atMs: base.openSince + 5 * MIN, status: 'resolved' });
    expect(firing).toMatchObject({
      signalType: 'metric',
      source: 'prometheus',
      severity: 'high',
      service: 'checkout',
      endsAt: null,
    });
    expect(firing.title).toBe('Error ratio above baseline on checkout');
    expect(firing.description).toContain('42.0σ above');
    expect(firing.labels).toMatchObject({ service: 'checkout', template: 'error-ratio', integration: 'prom' });
    expect(resolved.endsAt).toBe(new Date(base.openSince + 5 * MIN).toISOString());
    expect(signalHash(resolved.fingerprint, resolved.startsAt)).toBe(signalHash(firing.fingerprint, firing.startsAt));
  });
});
