import type { IncidentStatus } from './incident-state.ts';

export interface CorrelationConfig {
  /** A signal joins an open incident whose last signal is at most this old. */
  windowMs: number;
  /** A signal for a resolved incident resolved at most this long ago reopens it. */
  reopenWindowMs: number;
}

export interface CandidateIncident {
  id: string;
  status: IncidentStatus;
  service: string | null;
  groupKey: string | null;
  lastSignalAt: Date;
  resolvedAt: Date | null;
}

export interface CorrelationInput {
  service: string | null;
  groupKey: string | null;
}

export type CorrelationDecision =
  { kind: 'attach'; incidentId: string } | { kind: 'reopen'; incidentId: string } | { kind: 'create' };

/** The service decides when the signal names one; the Alertmanager group only relates signals without a service. */
const related = (signal: CorrelationInput, incident: CandidateIncident) =>
  signal.service !== null
    ? incident.service === signal.service
    : signal.groupKey !== null && incident.service === null && incident.groupKey === signal.groupKey;

/**
 * Where a firing signal goes: the most recently active open incident of the same service (or, for signals
 * without a service, of the same Alertmanager group) within the window; else the most recently resolved such incident within the reopen window; else a new one.
 * Signals with neither service nor group key always open their own incident.
 */
export function correlate(
  signal: CorrelationInput,
  candidates: CandidateIncident[],
  config: CorrelationConfig,
  /** When the signal counts as seen: its start, or its arrival if later. */
  at: Date
): CorrelationDecision {
  const t = at.getTime();
  let open: CandidateIncident | undefined;
  let resolved: CandidateIncident | undefined;
  for (const incident of candidates) {
    if (!related(signal, incident)) {
      continue;
    }
    if (incident.status !== 'resolved') {
      if (
        t - incident.lastSignalAt.getTime() <= config.windowMs &&
        (!open || incident.lastSignalAt > open.lastSignalAt)
      ) {
        open = incident;
      }
    } else if (
      incident.resolvedAt &&
      t - incident.resolvedAt.getTime() <= config.reopenWindowMs &&
      (!resolved || incident.resolvedAt > resolved.resolvedAt!)
    ) {
      resolved = incident;
    }
  }
  if (open) {
    return { kind: 'attach', incidentId: open.id };
  }
  if (resolved) {
    return { kind: 'reopen', incidentId: resolved.id };
  }
  return { kind: 'create' };
}
