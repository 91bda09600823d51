import { makeEvent } from '../testing/fakeIncidents';
import {
  actorIdName,
  actorName,
  describeTimelineEvent,
  formatAge,
  formatDuration,
  INCIDENT_STATUSES,
  SEVERITIES,
  transitionLabel,
} from './incidentText';

describe('the mirrored enums', () => {
  it('lists every status in lifecycle order', () => {
    expect(INCIDENT_STATUSES).toEqual(['triggered', 'acknowledged', 'investigating', 'mitigated', 'resolved']);
  });

  it('lists every severity, most severe first', () => {
    expect(SEVERITIES).toEqual(['critical', 'high', 'warning', 'info']);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [999, '0s'],
    [59_000, '59s'],
    [60_000, '1m'],
    [252_000, '4m 12s'],
    [3_600_000, '1h'],
    [7_500_000, '2h 5m'],
    [7_512_000, '2h 5m'],
    [86_400_000 * 3 + 5000, '3d'],
    [86_400_000 + 3_600_000 * 4, '1d 4h'],
    [-5000, '0s'],
  ])('%i ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('tells the age of a time', () => {
    expect(formatAge('2025-03-01T12:00:00.000Z', Date.parse('2025-03-01T12:05:03.000Z'))).toBe('5m 3s ago');
  });
});

describe('transitionLabel', () => {
  it.each([
    ['triggered', 'acknowledged', 'Acknowledge'],
    ['acknowledged', 'investigating', 'Start investigating'],
    ['mitigated', 'investigating', 'Resume investigating'],
    ['investigating', 'mitigated', 'Mark mitigated'],
    ['mitigated', 'resolved', 'Resolve'],
    ['resolved', 'triggered', 'Reopen'],
  ] as const)('%s → %s reads %s', (from, to, label) => {
    expect(transitionLabel(from, to)).toBe(label);
  });
});

describe('describeTimelineEvent', () => {
  it.each([
    [
      makeEvent(1, 'created', { title: 'x', severity: 'high', origin: 'manual' }),
      'declared the incident (severity high)',
    ],
    [
      makeEvent(1, 'created', { service: 'checkout-api', severity: 'critical' }),
      'opened the incident from correlated signals (severity critical, service checkout-api)',
    ],
    [makeEvent(2, 'signals_attached', { count: 1 }), 'attached 1 signal'],
    [makeEvent(2, 'signals_attached', { count: 3 }), 'attached 3 signals'],
    [
      makeEvent(3, 'status_changed', { from: 'mitigated', to: 'resolved', reason: 'all signals resolved' }),
      'changed the status from mitigated to resolved (all signals resolved)',
    ],
    [
      makeEvent(4, 'updated', {
        changes: { severity: { from: 'high', to: 'critical' }, service: { from: 'a', to: null } },
      }),
      'edited severity high → critical, service a → none',
    ],
    [makeEvent(5, 'runbook_attached', {}), 'runbook attached'],
  ])('describes %#', (event, summary) => {
    expect(describeTimelineEvent(event).summary).toBe(summary);
  });

  it('carries the note of a status change and the body of a comment', () => {
    expect(
      describeTimelineEvent(makeEvent(1, 'status_changed', { from: 'triggered', to: 'acknowledged', note: 'on it' }))
    ).toEqual({ summary: 'changed the status from triggered to acknowledged', text: 'on it' });
    expect(describeTimelineEvent(makeEvent(2, 'comment', { body: 'rolled back v42' }))).toEqual({
      summary: 'commented',
      text: 'rolled back v42',
    });
  });
});

describe('actor names', () => {
  it('names the sidecar SRE Copilot, and people by name', () => {
    expect(actorName(makeEvent(1, 'comment', {}, 'system').actor)).toBe('SRE Copilot (correlation)');
    expect(actorName(makeEvent(1, 'comment', {}).actor)).toBe('alice');
    expect(actorName({ type: 'user', id: 'user:9', name: '' })).toBe('user:9');
    expect(actorIdName('system:correlation')).toBe('SRE Copilot');
    expect(actorIdName('user:7')).toBe('user:7');
    expect(actorIdName('user:7', [makeEvent(1, 'comment', {})])).toBe('alice');
  });
});
