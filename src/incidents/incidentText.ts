/** How incidents read in the UI: names of statuses and severities, durations, transitions and timeline events. */
import type { IncidentEvent, IncidentStatusName, SeverityName } from '../api';
import { keysOf } from '../utils/exhaustive';

/**
 * Keyed in lifecycle order (the contract's incidentStatusSchema): INCIDENT_STATUSES takes its order from here, and
 * the record type makes a status the contract adds fail the build until it is named here.
 */
export const STATUS_NAMES: Record<IncidentStatusName, string> = {
  triggered: 'Triggered',
  acknowledged: 'Acknowledged',
  investigating: 'Investigating',
  mitigated: 'Mitigated',
  resolved: 'Resolved',
};

/** Keyed most severe first (the contract's severitySchema): SEVERITIES takes its order from here. */
export const SEVERITY_NAMES: Record<SeverityName, string> = {
  critical: 'Critical',
  high: 'High',
  warning: 'Warning',
  info: 'Info',
};

/** Every status, in lifecycle order. */
export const INCIDENT_STATUSES: IncidentStatusName[] = keysOf(STATUS_NAMES);

/** Every severity, most severe first. */
export const SEVERITIES: SeverityName[] = keysOf(SEVERITY_NAMES);

/** Severities as radio or select options, most severe first. */
export const SEVERITY_OPTIONS: Array<{ value: SeverityName; label: string }> = SEVERITIES.map((severity) => ({
  value: severity,
  label: SEVERITY_NAMES[severity],
}));

export function isIncidentStatus(value: string): value is IncidentStatusName {
  return (INCIDENT_STATUSES as string[]).includes(value);
}

export function isSeverity(value: string): value is SeverityName {
  return (SEVERITIES as string[]).includes(value);
}

/** The button that moves an incident from `from` to `to`, e.g. "Acknowledge" or "Reopen". */
export function transitionLabel(from: IncidentStatusName, to: IncidentStatusName): string {
  switch (to) {
    case 'triggered':
      return 'Reopen';
    case 'acknowledged':
      return 'Acknowledge';
    case 'investigating':
      // From mitigated the fix did not hold: the investigation goes on.
      return from === 'mitigated' ? 'Resume investigating' : 'Start investigating';
    case 'mitigated':
      return 'Mark mitigated';
    case 'resolved':
      return 'Resolve';
  }
}

const UNITS: Array<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** A duration in its two largest units, e.g. `4m 12s`, `2h 5m`, `3d`; under a second is `0s`. */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.floor(ms));
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || parts.length > 0) {
      parts.push(`${count}${unit}`);
    }
    if (parts.length === 2) {
      break;
    }
  }
  const shown = parts.filter((part, index) => index === 0 || !part.startsWith('0'));
  return shown.length > 0 ? shown.join(' ') : '0s';
}

/** How long ago `isoTime` was, from `nowMs`: `5m 3s ago`. */
export function formatAge(isoTime: string, nowMs: number): string {
  return `${formatDuration(nowMs - Date.parse(isoTime))} ago`;
}

/** The sidecar itself (correlation, ingestion) acts as `system:<component>`. */
const SYSTEM_NAME = 'SRE Copilot';

/** Who did something, as the timeline names them: their name, else their id; the sidecar as SRE Copilot. */
export function actorName(actor: IncidentEvent['actor']): string {
  if (actor.type === 'system') {
    return actor.name ? `${SYSTEM_NAME} (${actor.name})` : SYSTEM_NAME;
  }
  return actor.name || actor.id;
}

/**
 * Who did something, by the actor id an incident records (`user:7`, `system:correlator`): the name the timeline
 * knows for that id (the incident itself carries ids only), else the id.
 */
export function actorIdName(actorId: string, timeline: IncidentEvent[] = []): string {
  if (actorId === 'system' || actorId.startsWith('system:')) {
    return SYSTEM_NAME;
  }
  return timeline.find((event) => event.actor.id === actorId && event.actor.name)?.actor.name ?? actorId;
}

const asText = (value: unknown): string => {
  if (value === null || value === undefined || value === '') {
    return 'none';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
};

const statusName = (value: unknown): string =>
  typeof value === 'string' && isIncidentStatus(value) ? STATUS_NAMES[value].toLowerCase() : asText(value);

/** A timeline event in words: what happened (after the actor's name), and a text that goes with it. */
export function describeTimelineEvent(event: IncidentEvent): { summary: string; text?: string } {
  const details = event.details;
  switch (event.kind) {
    case 'created':
      return details.origin === 'manual'
        ? { summary: `declared the incident (severity ${asText(details.severity)})` }
        : {
            summary: `opened the incident from correlated signals (severity ${asText(details.severity)}${
              details.service ? `, service ${asText(details.service)}` : ''
            })`,
          };
    case 'signals_attached': {
      const count = Number(details.count);
      return { summary: `attached ${count} ${count === 1 ? 'signal' : 'signals'}` };
    }
    case 'status_changed':
      return {
        summary: `changed the status from ${statusName(details.from)} to ${statusName(details.to)}${
          typeof details.reason === 'string' ? ` (${details.reason})` : ''
        }`,
        text: typeof details.note === 'string' ? details.note : undefined,
      };
    case 'comment':
      return { summary: 'commented', text: asText(details.body) };
    case 'updated': {
      const changes =
        typeof details.changes === 'object' && details.changes !== null
          ? Object.entries(details.changes as Record<string, { from?: unknown; to?: unknown }>)
          : [];
      const listed = changes.map(([field, change]) => `${field} ${asText(change?.from)} → ${asText(change?.to)}`);
      return { summary: listed.length > 0 ? `edited ${listed.join(', ')}` : 'edited the incident' };
    }
    default:
      return { summary: event.kind.replace(/_/g, ' ') };
  }
}
