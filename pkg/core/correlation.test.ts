import { describe, expect, it } from 'vitest';
import { correlate, type CandidateIncident, type CorrelationConfig } from './correlation.ts';
import type { IncidentStatus } from './incident-state.ts';

const MIN = 60_000;
const CONFIG: CorrelationConfig = { windowMs: 30 * MIN, reopenWindowMs: 60 * MIN };
const NOW = new Date('2024-05-01T12:00:00Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * MIN);

/** Where a candidate incident belongs: the service checkout and no group unless given. */
interface Scope {
  service?: string | null;
  groupKey?: string | null;
}

function open(id: string, minutesAgo: number, scope: Scope = {}) {
  return candidate(id, 'triggered', minutesAgo, null, scope);
}

function resolved(id: string, resolvedMinutesAgo: number, scope: Scope = {}) {
  return candidate(id, 'resolved', resolvedMinutesAgo + 5, ago(resolvedMinutesAgo), scope);
}

function candidate(
  id: string,
  status: IncidentStatus,
  lastSignalMinutesAgo: number,
  resolvedAt: Date | null,
  { service = 'checkout', groupKey = null }: Scope
): CandidateIncident {
  return { id, status, service, groupKey, lastSignalAt: ago(lastSignalMinutesAgo), resolvedAt };
}

const checkout = { service: 'checkout', groupKey: null };

describe('correlate', () => {
  it('creates an incident when there is no candidate', () => {
    expect(correlate(checkout, [], CONFIG, NOW)).toEqual({ kind: 'create' });
  });

  it('attaches to an open incident of the same service within the window, its end included', () => {
    expect(correlate(checkout, [open('a', 10)], CONFIG, NOW)).toEqual({ kind: 'attach', incidentId: 'a' });
    expect(correlate(checkout, [open('a', 30)], CONFIG, NOW)).toEqual({ kind: 'attach', incidentId: 'a' });
    expect(correlate(checkout, [open('a', 30.001)], CONFIG, NOW)).toEqual({ kind: 'create' });
  });

  it('counts every status but resolved as open', () => {
    for (const status of ['triggered', 'acknowledged', 'investigating', 'mitigated'] as const) {
      const incident = candidate('a', status, 5, null, {});
      expect(correlate(checkout, [incident], CONFIG, NOW)).toEqual({ kind: 'attach', incidentId: 'a' });
    }
  });

  it('attaches a signal seen before the incident last heard from its service (a late delivery)', () => {
    expect(correlate(checkout, [open('a', -5)], CONFIG, NOW)).toEqual({ kind: 'attach', incidentId: 'a' });
  });

  it('picks the most recently active open incident, whatever the order of the candidates', () => {
    const candidates = [open('old', 20), open('recent', 2), open('middle', 10)];
    expect(correlate(checkout, candidates, CONFIG, NOW)).toEqual({ kind: 'attach', incidentId: 'recent' });
    expect(correlate(checkout, [...candidates].reverse(), CONFIG, NOW)).toEqual({
      kind: 'attach',
      incidentId: 'recent',
    });
    // Equally recent: the first one given.
    expect(correlate(checkout, [open('first', 5), open('second', 5)], CONFIG, NOW)).toEqual({
      kind: 'attach',
      incidentId: 'first',
    });
  });

  it('relates a signal with a service by the service alone', () => {
    const otherService = open('a', 5, { service: 'payments', groupKey: 'g1' });
    const sameServiceOtherGroup = open('b', 5, { service: 'checkout', groupKey: 'g2' });
    const groupOnly = open('c', 5, { service: null, groupKey: 'g1' });
    const signal = { service: 'checkout', groupKey: 'g1' };
    expect(correlate(signal, [otherService, groupOnly], CONFIG, NOW)).toEqual({ kind: 'create' });
    expect(correlate(signal, [otherService, sameServiceOtherGroup, groupOnly], CONFIG, NOW)).toEqual({
      kind: 'attach',
      incidentId: 'b',
    });
  });

  it('relates a signal without a service by its Alertmanager group, to incidents without a service only', () => {
    const signal = { service: null, groupKey: 'g1' };
    const withService = open('a', 5, { service: 'checkout', groupKey: 'g1' });
    const otherGroup = open('b', 5, { service: null, groupKey: 'g2' });
    const sameGroup = open('c', 5, { service: null, groupKey: 'g1' });
    expect(correlate(signal, [withService, otherGroup], CONFIG, NOW)).toEqual({ kind: 'create' });
    expect(correlate(signal, [withService, otherGroup, sameGroup], CONFIG, NOW)).toEqual({
      kind: 'attach',
      incidentId: 'c',
    });
  });

  it('always creates an incident for a signal with neither service nor group', () => {
    const unscoped = open('a', 1, { service: null, groupKey: null });
    expect(correlate({ service: null, groupKey: null }, [unscoped], CONFIG, NOW)).toEqual({ kind: 'create' });
  });

  it('reopens the most recently resolved incident within the reopen window, its end included', () => {
    expect(correlate(checkout, [resolved('a', 40)], CONFIG, NOW)).toEqual({ kind: 'reopen', incidentId: 'a' });
    expect(correlate(checkout, [resolved('a', 60)], CONFIG, NOW)).toEqual({ kind: 'reopen', incidentId: 'a' });
    expect(correlate(checkout, [resolved('a', 60.001)], CONFIG, NOW)).toEqual({ kind: 'create' });
    const candidates = [resolved('older', 50), resolved('newer', 10), resolved('old', 30)];
    expect(correlate(checkout, candidates, CONFIG, NOW)).toEqual({ kind: 'reopen', incidentId: 'newer' });
  });

  it('prefers an open incident to a resolved one, even one resolved more recently than the open one was active', () => {
    const candidates = [resolved('closed', 1), open('active', 25)];
    expect(correlate(checkout, candidates, CONFIG, NOW)).toEqual({ kind: 'attach', incidentId: 'active' });
  });

  it('reopens when the only open incident has gone quiet beyond the window', () => {
    const candidates = [open('stale', 45), resolved('closed', 20)];
    expect(correlate(checkout, candidates, CONFIG, NOW)).toEqual({ kind: 'reopen', incidentId: 'closed' });
  });

  it('does not reopen a resolved incident that has no resolution time', () => {
    const noTime = candidate('a', 'resolved', 5, null, {});
    expect(correlate(checkout, [noTime], CONFIG, NOW)).toEqual({ kind: 'create' });
  });

  it('never attaches or reopens with zero windows unless the times are equal', () => {
    const zero = { windowMs: 0, reopenWindowMs: 0 };
    expect(correlate(checkout, [open('a', 0)], zero, NOW)).toEqual({ kind: 'attach', incidentId: 'a' });
    expect(correlate(checkout, [open('a', 1), resolved('b', 1)], zero, NOW)).toEqual({ kind: 'create' });
  });
});
