import { describe, expect, it } from 'vitest';
import {
  allowedTransitions,
  applyTransition,
  canTransition,
  incidentDurations,
  INCIDENT_STATUSES,
  type IncidentStatus,
  type IncidentTimes,
} from './incident-state.ts';

const T0 = new Date('2024-05-01T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

/** The transition table as the product documents it: rows are the current status, columns the next one. */
const TABLE: Record<IncidentStatus, Record<IncidentStatus, boolean>> = {
  triggered: { triggered: false, acknowledged: true, investigating: true, mitigated: true, resolved: true },
  acknowledged: { triggered: false, acknowledged: false, investigating: true, mitigated: true, resolved: true },
  investigating: { triggered: false, acknowledged: false, investigating: false, mitigated: true, resolved: true },
  mitigated: { triggered: false, acknowledged: false, investigating: true, mitigated: false, resolved: true },
  resolved: { triggered: true, acknowledged: false, investigating: false, mitigated: false, resolved: false },
};

function incident(status: IncidentStatus, times: Partial<IncidentTimes> = {}): IncidentTimes {
  return { status, createdAt: T0, acknowledgedAt: null, resolvedAt: null, ...times };
}

describe('incident transitions', () => {
  it('lists the statuses in their lifecycle order', () => {
    expect(INCIDENT_STATUSES).toEqual(['triggered', 'acknowledged', 'investigating', 'mitigated', 'resolved']);
  });

  it('allows exactly the transitions of the table, and none to the same status', () => {
    for (const from of INCIDENT_STATUSES) {
      for (const to of INCIDENT_STATUSES) {
        expect({ from, to, allowed: canTransition(from, to) }).toEqual({ from, to, allowed: TABLE[from][to] });
      }
      expect([...allowedTransitions(from)].sort()).toEqual(INCIDENT_STATUSES.filter((to) => TABLE[from][to]).sort());
    }
  });

  it('refuses a transition the table does not allow, naming both statuses', () => {
    expect(() => applyTransition(incident('resolved', { resolvedAt: at(5) }), 'acknowledged', at(10))).toThrow(
      'transition resolved → acknowledged is not allowed'
    );
    expect(() => applyTransition(incident('investigating'), 'investigating', at(1))).toThrow(/not allowed/);
    expect(() => applyTransition(incident('acknowledged', { acknowledgedAt: at(1) }), 'triggered', at(2))).toThrow(
      /not allowed/
    );
  });

  it('records the first acknowledgement on any move out of triggered, and keeps it afterwards', () => {
    expect(applyTransition(incident('triggered'), 'acknowledged', at(3))).toEqual({
      acknowledgedAt: at(3),
      resolvedAt: null,
      reopened: false,
    });
    expect(applyTransition(incident('triggered'), 'investigating', at(4)).acknowledgedAt).toEqual(at(4));
    const acknowledged = incident('acknowledged', { acknowledgedAt: at(3) });
    expect(applyTransition(acknowledged, 'investigating', at(9)).acknowledgedAt).toEqual(at(3));
  });

  it('resolves with the time of the transition, also straight from triggered', () => {
    expect(applyTransition(incident('triggered'), 'resolved', at(7))).toEqual({
      acknowledgedAt: at(7),
      resolvedAt: at(7),
      reopened: false,
    });
    const mitigated = incident('mitigated', { acknowledgedAt: at(2) });
    expect(applyTransition(mitigated, 'resolved', at(30))).toEqual({
      acknowledgedAt: at(2),
      resolvedAt: at(30),
      reopened: false,
    });
  });

  it('goes back from mitigated to investigating without touching the times', () => {
    const mitigated = incident('mitigated', { acknowledgedAt: at(2) });
    expect(applyTransition(mitigated, 'investigating', at(20))).toEqual({
      acknowledgedAt: at(2),
      resolvedAt: null,
      reopened: false,
    });
  });

  it('reopens a resolved incident: the resolution is cleared, the acknowledgement kept', () => {
    const resolved = incident('resolved', { acknowledgedAt: at(2), resolvedAt: at(30) });
    expect(applyTransition(resolved, 'triggered', at(40))).toEqual({
      acknowledgedAt: at(2),
      resolvedAt: null,
      reopened: true,
    });
    // An incident resolved without ever being acknowledged is not acknowledged by reopening it.
    const neverAcknowledged = incident('resolved', { resolvedAt: at(30) });
    expect(applyTransition(neverAcknowledged, 'triggered', at(40)).acknowledgedAt).toBeNull();
  });

  it('does not change the incident it is given', () => {
    const before = incident('triggered');
    const copy = { ...before };
    applyTransition(before, 'resolved', at(5));
    expect(before).toEqual(copy);
  });
});

describe('incidentDurations', () => {
  it('measures from creation, null until acknowledged or resolved', () => {
    expect(incidentDurations(incident('triggered'))).toEqual({ timeToAcknowledgeMs: null, timeToResolveMs: null });
    expect(incidentDurations(incident('acknowledged', { acknowledgedAt: at(3) }))).toEqual({
      timeToAcknowledgeMs: 180_000,
      timeToResolveMs: null,
    });
    expect(incidentDurations(incident('resolved', { acknowledgedAt: at(3), resolvedAt: at(90) }))).toEqual({
      timeToAcknowledgeMs: 180_000,
      timeToResolveMs: 5_400_000,
    });
  });
});
