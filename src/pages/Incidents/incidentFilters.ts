import type { TimeRange } from '@grafana/data';
import type { IncidentListQuery, IncidentStatusName, SeverityName } from '../../api';
import { INCIDENT_STATUSES, isIncidentStatus, isSeverity, SEVERITIES } from '../../incidents/incidentText';
import {
  emptyTimeRange,
  isTimeRangeSet,
  resolveTimeRange,
  timeRangeFromText,
  timeRangeToText,
} from '../../utils/timeRange';

/** Incidents per page: the sidecar's default; it allows up to 200. */
export const INCIDENT_PAGE_SIZE = 50;

/** The incident filters as the form holds them. */
export interface IncidentFilterValues {
  status: IncidentStatusName[];
  severity: SeverityName[];
  /** The exact service name. */
  service: string;
  /** Text in the title or description. */
  search: string;
  /** When the incident was created; unset while both ends are invalid (TimeRangeInput's cleared value). */
  timeRange: TimeRange;
}

export function emptyIncidentFilters(): IncidentFilterValues {
  return { status: [], severity: [], service: '', search: '', timeRange: emptyTimeRange() };
}

export function hasIncidentFilters(filters: IncidentFilterValues): boolean {
  return (
    filters.status.length > 0 ||
    filters.severity.length > 0 ||
    filters.service.trim() !== '' ||
    filters.search.trim() !== '' ||
    isTimeRangeSet(filters.timeRange)
  );
}

/** Keeps the lists in lifecycle / severity order, so that equal filters give equal queries and addresses. */
const ordered = <T extends string>(values: T[], order: T[]) => order.filter((value) => values.includes(value));

/** The sidecar query for the filters; a relative time range is resolved now, as the listing starts. */
export function toIncidentQuery(filters: IncidentFilterValues): IncidentListQuery {
  const query: IncidentListQuery = { limit: INCIDENT_PAGE_SIZE };
  if (filters.status.length > 0) {
    query.status = ordered(filters.status, INCIDENT_STATUSES);
  }
  if (filters.severity.length > 0) {
    query.severity = ordered(filters.severity, SEVERITIES);
  }
  const service = filters.service.trim();
  const search = filters.search.trim();
  if (service) {
    query.service = service;
  }
  if (search) {
    query.q = search;
  }
  if (isTimeRangeSet(filters.timeRange)) {
    Object.assign(query, resolveTimeRange(filters.timeRange));
  }
  return query;
}

/**
 * The filters as the page address's query, so that they survive a reload, the way back from an incident, and can
 * be shared. Relative time ranges stay relative there.
 */
export function filtersToSearchParams(filters: IncidentFilterValues): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.status.length > 0) {
    params.set('status', ordered(filters.status, INCIDENT_STATUSES).join(','));
  }
  if (filters.severity.length > 0) {
    params.set('severity', ordered(filters.severity, SEVERITIES).join(','));
  }
  if (filters.service.trim()) {
    params.set('service', filters.service.trim());
  }
  if (filters.search.trim()) {
    params.set('q', filters.search.trim());
  }
  if (isTimeRangeSet(filters.timeRange)) {
    const { from, to } = timeRangeToText(filters.timeRange);
    params.set('from', from);
    params.set('to', to);
  }
  return params;
}

/** The filters in the page address; anything unknown there is ignored. */
export function filtersFromSearchParams(params: URLSearchParams): IncidentFilterValues {
  const list = (name: string) =>
    (params.get(name) ?? '')
      .split(',')
      .map((value) => value.trim())
      .filter(Boolean);
  return {
    status: ordered(list('status').filter(isIncidentStatus), INCIDENT_STATUSES),
    severity: ordered(list('severity').filter(isSeverity), SEVERITIES),
    service: params.get('service') ?? '',
    search: params.get('q') ?? '',
    timeRange: timeRangeFromText(params.get('from'), params.get('to')),
  };
}
