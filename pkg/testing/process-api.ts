import type { TestGrafanaIdentity, TestUser } from './grafana-identity.ts';
import { ORG_SECRETS } from './test-sidecar.ts';

/** Calls a sidecar process over HTTP with what Grafana's plugin proxy adds (org secret, ID token, context). */
export async function callSidecarProcess(
  grafana: TestGrafanaIdentity,
  base: string,
  user: TestUser,
  path: string,
  init: { method?: string; body?: unknown; projectId?: string } = {}
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      'x-sre-copilot-secret': ORG_SECRETS[user.orgId as 1 | 2],
      'x-grafana-id': await grafana.idToken(user),
      'x-grafana-context': grafana.context(user),
      ...(init.projectId ? { 'x-project-id': init.projectId } : {}),
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  return { status: res.status, json: (await res.json()) as unknown };
}
