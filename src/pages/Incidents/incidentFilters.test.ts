import { dateTime } from '@grafana/data';
import {
  emptyIncidentFilters,
  filtersFromSearchParams,
  filtersToSearchParams,
  hasIncidentFilters,
  toIncidentQuery,
} from './incidentFilters';

describe('incident filters', () => {
  it('asks for the first page of everything when nothing is set', () => {
    const filters = emptyIncidentFilters();
    expect(hasIncidentFilters(filters)).toBe(false);
    expect(toIncidentQuery(filters)).toEqual({ limit: 50 });
    expect(filtersToSearchParams(filters).toString()).toBe('');
  });

  it('sends what is set, trimmed, with the lists in lifecycle and severity order', () => {
    const filters = {
      ...emptyIncidentFilters(),
      status: ['resolved' as const, 'triggered' as const],
      severity: ['info' as const, 'critical' as const],
      service: ' checkout-api ',
      search: ' 5xx ',
    };
    expect(hasIncidentFilters(filters)).toBe(true);
    expect(toIncidentQuery(filters)).toEqual({
      status: ['triggered', 'resolved'],
      severity: ['critical', 'info'],
      service: 'checkout-api',
      q: '5xx',
      limit: 50,
    });
  });

  it('resolves a relative time range when the listing starts', () => {
    const filters = {
      ...emptyIncidentFilters(),
      timeRange: { from: dateTime(), to: dateTime(), raw: { from: 'now-1h', to: 'now' } },
    };
    const before = Date.now();
    const query = toIncidentQuery(filters);
    expect(Date.parse(query.to!) - Date.parse(query.from!)).toBe(3_600_000);
    expect(Date.parse(query.to!)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('round-trips through the page address, relative ranges staying relative', () => {
    const filters = {
      status: ['acknowledged' as const],
      severity: ['high' as const],
      service: 'api',
      search: 'disk full',
      timeRange: { from: dateTime(), to: dateTime(), raw: { from: 'now-24h', to: 'now' } },
    };
    const params = filtersToSearchParams(filters);
    expect(params.toString()).toBe('status=acknowledged&severity=high&service=api&q=disk+full&from=now-24h&to=now');

    const read = filtersFromSearchParams(params);
    expect(read).toMatchObject({ status: ['acknowledged'], severity: ['high'], service: 'api', search: 'disk full' });
    expect(read.timeRange.raw).toEqual({ from: 'now-24h', to: 'now' });
  });

  it('keeps absolute ranges as timestamps in the address', () => {
    const from = dateTime('2025-03-01T00:00:00.000Z');
    const to = dateTime('2025-03-02T00:00:00.000Z');
    const params = filtersToSearchParams({ ...emptyIncidentFilters(), timeRange: { from, to, raw: { from, to } } });
    expect(params.get('from')).toBe('2025-03-01T00:00:00.000Z');

    const read = filtersFromSearchParams(params);
    expect(toIncidentQuery(read)).toMatchObject({ from: '2025-03-01T00:00:00.000Z', to: '2025-03-02T00:00:00.000Z' });
  });

  it('ignores what it does not know in the address', () => {
    const read = filtersFromSearchParams(new URLSearchParams('status=open,resolved&severity=sev1&from=yesterday'));
    expect(read.status).toEqual(['resolved']);
    expect(read.severity).toEqual([]);
    expect(hasIncidentFilters({ ...read, status: [] })).toBe(false);
  });
});
