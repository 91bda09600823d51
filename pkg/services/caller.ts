import type { OrgRole } from '../core/project-role.ts';
import type { ActorType } from '../core/audit-chain.ts';

/** The authenticated user of one API request, as Grafana vouched for them. */
export interface Caller {
  orgId: number;
  subjectType: 'user' | 'service-account';
  userId: number;
  login: string;
  name: string;
  email: string;
  orgRole: OrgRole;
  /** Team ids from X-Grafana-Context; null when Grafana did not send them. */
  teamIds: number[] | null;
  ip: string | null;
  requestId: string;
}

/** Who did something, as the audit log records it. */
export interface AuditActor {
  type: ActorType;
  id: string;
  name: string;
  ip: string | null;
  requestId: string | null;
}

export function actorOf(caller: Caller): AuditActor {
  return {
    type: caller.subjectType === 'service-account' ? 'service_account' : 'user',
    id: `${caller.subjectType}:${caller.userId}`,
    name: caller.login || caller.name,
    ip: caller.ip,
    requestId: caller.requestId,
  };
}

export const systemActor = (component: string): AuditActor => ({
  type: 'system',
  id: `system:${component}`,
  name: component,
  ip: null,
  requestId: null,
});
