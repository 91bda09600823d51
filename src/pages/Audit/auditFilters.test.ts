import { dateTime } from '@grafana/data';
import { describeChain, emptyAuditFilters, hasAuditFilters, summarizeDetails, toAuditQuery } from './auditFilters';
import type { AuditVerifyResult } from '../../api';

describe('toAuditQuery', () => {
  it('sends the page size and nothing else for empty filters', () => {
    expect(toAuditQuery(emptyAuditFilters())).toEqual({ limit: 50 });
    expect(hasAuditFilters(emptyAuditFilters())).toBe(false);
  });

  it('sends an absolute time range as ISO timestamps', () => {
    const from = dateTime('2025-03-01T00:00:00Z');
    const to = dateTime('2025-03-02T12:30:00Z');
    const filters = { ...emptyAuditFilters(), timeRange: { from, to, raw: { from, to } } };

    expect(toAuditQuery(filters)).toEqual({
      limit: 50,
      from: '2025-03-01T00:00:00.000Z',
      to: '2025-03-02T12:30:00.000Z',
    });
    expect(hasAuditFilters(filters)).toBe(true);
  });

  it('resolves a relative time range when the filters are applied', () => {
    jest.useFakeTimers({ now: new Date('2025-03-10T12:00:00Z') });
    try {
      const filters = {
        ...emptyAuditFilters(),
        timeRange: { from: dateTime(), to: dateTime(), raw: { from: 'now-24h', to: 'now' } },
      };
      expect(toAuditQuery(filters)).toMatchObject({ from: '2025-03-09T12:00:00.000Z', to: '2025-03-10T12:00:00.000Z' });
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('summarizeDetails', () => {
  it('shows keys and values on one line', () => {
    expect(summarizeDetails({ role: 'admin', previousRole: null, automatic: true, teamId: 4 })).toBe(
      'role: admin, previousRole: none, automatic: true, teamId: 4'
    );
  });

  it('shortens long details and marks empty ones', () => {
    expect(summarizeDetails({ text: 'x'.repeat(200) }, 20)).toBe(`text: ${'x'.repeat(13)}…`);
    expect(summarizeDetails({})).toBe('—');
  });
});

describe('describeChain', () => {
  it('counts one entry in the singular', () => {
    expect(describeChain({ ok: true, checked: 1, unkeyed: 0, firstBroken: null })).toBe('Chain intact · 1 entry');
  });

  it('names every reason a chain breaks', () => {
    const broken = (reason: NonNullable<AuditVerifyResult['firstBroken']>['reason']) =>
      describeChain({ ok: false, checked: 3, unkeyed: 0, firstBroken: { id: 9, seq: 3, reason } });
    expect(broken('previous_hash_mismatch')).toBe('Chain broken at #3 (link to the previous entry does not match)');
    expect(broken('hash_mismatch')).toBe('Chain broken at #3 (entry no longer matches its hash)');
    expect(broken('mac_mismatch')).toBe('Chain broken at #3 (entry does not match its MAC)');
    expect(broken('truncated')).toBe('Chain broken at #3 (entries up to the checkpoint are missing)');
  });
});
