import type { TimeRange } from '@grafana/data';
import type { AuditListQuery, AuditVerifyResult } from '../../api';
import { emptyTimeRange, isTimeRangeSet, resolveTimeRange } from '../../utils/timeRange';

/** Entries per page: the sidecar's default; it allows up to 200. */
export const AUDIT_PAGE_SIZE = 50;

/** The audit filters as the form holds them. */
export interface AuditFilterValues {
  /** An exact action (`member.added`) or an action family (`member`). */
  action: string;
  /** The actor's id as the log records it, e.g. `user:42`. */
  actorId: string;
  resourceType: string;
  /** Unset while both ends are invalid (TimeRangeInput's cleared value). */
  timeRange: TimeRange;
}

export function emptyAuditFilters(): AuditFilterValues {
  return { action: '', actorId: '', resourceType: '', timeRange: emptyTimeRange() };
}

export function hasAuditFilters(filters: AuditFilterValues): boolean {
  return (
    filters.action.trim() !== '' ||
    filters.actorId.trim() !== '' ||
    filters.resourceType.trim() !== '' ||
    isTimeRangeSet(filters.timeRange)
  );
}

/**
 * The sidecar query for the filters. A relative range ("Last 24 hours") is resolved now, when the filters are
 * applied, so that every page of one listing covers the same span.
 */
export function toAuditQuery(filters: AuditFilterValues): AuditListQuery {
  const query: AuditListQuery = { limit: AUDIT_PAGE_SIZE };
  const action = filters.action.trim();
  const actorId = filters.actorId.trim();
  const resourceType = filters.resourceType.trim();
  if (action) {
    query.action = action;
  }
  if (actorId) {
    query.actorId = actorId;
  }
  if (resourceType) {
    query.resourceType = resourceType;
  }
  if (isTimeRangeSet(filters.timeRange)) {
    Object.assign(query, resolveTimeRange(filters.timeRange));
  }
  return query;
}

function formatDetailValue(value: unknown): string {
  if (value === null || value === undefined) {
    return 'none';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  return JSON.stringify(value);
}

/** A one-line summary of an entry's details, e.g. `role: admin, previousRole: none`. */
export function summarizeDetails(details: Record<string, unknown>, maxLength = 120): string {
  const text = Object.entries(details)
    .map(([key, value]) => `${key}: ${formatDetailValue(value)}`)
    .join(', ');
  if (text === '') {
    return '—';
  }
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

const BROKEN_REASONS: Record<NonNullable<AuditVerifyResult['firstBroken']>['reason'], string> = {
  sequence_gap: 'sequence gap',
  previous_hash_mismatch: 'link to the previous entry does not match',
  hash_mismatch: 'entry no longer matches its hash',
  mac_missing: 'entry has no MAC although earlier ones have',
  unknown_mac_key: 'entry was keyed with an audit key that is not configured',
  mac_mismatch: 'entry does not match its MAC',
  checkpoint_mismatch: 'entry differs from the checkpoint',
  truncated: 'entries up to the checkpoint are missing',
};

/** The chain status in words: "Chain intact · 12 entries" or "Chain broken at #7 (sequence gap)". */
export function describeChain(result: AuditVerifyResult): string {
  if (result.ok || !result.firstBroken) {
    return `Chain intact · ${result.checked} ${result.checked === 1 ? 'entry' : 'entries'}`;
  }
  const { seq, reason } = result.firstBroken;
  return `Chain broken at #${seq} (${BROKEN_REASONS[reason] ?? reason})`;
}
