export const INCIDENT_STATUSES = ['triggered', 'acknowledged', 'investigating', 'mitigated', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/**
 * Allowed transitions: forward along triggered → acknowledged → investigating → mitigated → resolved (steps may
 * be skipped), back from mitigated to investigating when the fix did not hold, and reopen (resolved → triggered).
 */
const NEXT: Record<IncidentStatus, readonly IncidentStatus[]> = {
  triggered: ['acknowledged', 'investigating', 'mitigated', 'resolved'],
  acknowledged: ['investigating', 'mitigated', 'resolved'],
  investigating: ['mitigated', 'resolved'],
  mitigated: ['investigating', 'resolved'],
  resolved: ['triggered'],
};

export function allowedTransitions(from: IncidentStatus): readonly IncidentStatus[] {
  return NEXT[from];
}

export function canTransition(from: IncidentStatus, to: IncidentStatus): boolean {
  return NEXT[from].includes(to);
}

export interface IncidentTimes {
  status: IncidentStatus;
  createdAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
}

export interface TransitionEffects {
  /** Set when the incident is acknowledged for the first time (any move out of triggered counts). */
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  reopened: boolean;
}

/** What a transition records: first acknowledgement, resolution time, reopen (which clears the resolution). */
export function applyTransition(incident: IncidentTimes, to: IncidentStatus, at: Date): TransitionEffects {
  if (!canTransition(incident.status, to)) {
    throw new Error(`transition ${incident.status} → ${to} is not allowed`);
  }
  const reopened = incident.status === 'resolved' && to === 'triggered';
  return {
    acknowledgedAt: incident.acknowledgedAt ?? (to !== 'triggered' ? at : null),
    resolvedAt: to === 'resolved' ? at : reopened ? null : incident.resolvedAt,
    reopened,
  };
}

/** Time to acknowledge and to resolve, in milliseconds (null until it happened). */
export function incidentDurations(incident: IncidentTimes) {
  return {
    timeToAcknowledgeMs: incident.acknowledgedAt
      ? incident.acknowledgedAt.getTime() - incident.createdAt.getTime()
      : null,
    timeToResolveMs: incident.resolvedAt ? incident.resolvedAt.getTime() - incident.createdAt.getTime() : null,
  };
}
