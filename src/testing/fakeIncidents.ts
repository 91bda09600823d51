/** Test helpers: incidents, signals and timeline events in the sidecar's shapes. */
import type { Incident, IncidentDetail, IncidentEvent, IngestToken, Signal } from '../api';

let incidentCount = 0;

/** An incident created `minutesAgo` before 2025-03-01T12:00:00Z; later ones sort first, as the sidecar lists them. */
export function makeIncident(overrides: Partial<Incident> = {}): Incident {
  incidentCount += 1;
  const n = incidentCount;
  return {
    id: `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    title: `Incident ${n}`,
    description: '',
    status: 'triggered',
    severity: 'high',
    service: 'checkout-api',
    groupKey: null,
    origin: 'correlation',
    warnings: [],
    signalCount: 2,
    firingCount: 1,
    reopenCount: 0,
    createdBy: 'system:correlation',
    createdAt: new Date(Date.UTC(2025, 2, 1, 12, 0, 0) + n * 1000).toISOString(),
    updatedAt: '2025-03-01T12:00:00.000Z',
    lastSignalAt: '2025-03-01T12:00:00.000Z',
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    timeToAcknowledgeMs: null,
    timeToResolveMs: null,
    allowedTransitions: ['acknowledged', 'investigating', 'mitigated', 'resolved'],
    ...overrides,
  };
}

export function makeSignal(overrides: Partial<Signal> = {}): Signal {
  return {
    id: 1,
    type: 'alert',
    source: 'alertmanager',
    fingerprint: 'f1',
    status: 'firing',
    severity: 'high',
    title: 'HighErrorRate',
    description: '',
    service: 'checkout-api',
    labels: { alertname: 'HighErrorRate', service: 'checkout-api' },
    generatorUrl: null,
    values: null,
    warnings: [],
    startsAt: '2025-03-01T11:58:00.000Z',
    endsAt: null,
    receivedAt: '2025-03-01T11:58:01.000Z',
    ...overrides,
  };
}

/** A timeline event by alice, or with `actor` 'system' by the sidecar's correlation. */
export function makeEvent(
  id: number,
  kind: string,
  details: Record<string, unknown>,
  actor: 'alice' | 'system' = 'alice'
): IncidentEvent {
  return {
    id,
    kind,
    actor:
      actor === 'system'
        ? { type: 'system', id: 'system:correlation', name: 'correlation' }
        : { type: 'user', id: 'user:7', name: 'alice' },
    details,
    createdAt: `2025-03-01T12:0${id}:00.000Z`,
  };
}

export function makeDetail(incident: Incident, signals: Signal[] = [], timeline: IncidentEvent[] = []): IncidentDetail {
  return { incident, signals, timeline };
}

export function makeIngestToken(overrides: Partial<IngestToken> = {}): IngestToken {
  return {
    id: '20000000-0000-4000-8000-000000000001',
    name: 'prod-alertmanager',
    prefix: 'sct_abc123',
    hmac: null,
    createdBy: 'user:7',
    createdAt: '2025-03-01T09:00:00.000Z',
    revokedAt: null,
    lastDelivery: null,
    ...overrides,
  };
}
