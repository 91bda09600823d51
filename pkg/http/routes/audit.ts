import type { FastifyPluginAsync } from 'fastify';
import { auditQuery, auditVerifyQuery, type AuditLogPage, type AuditVerifyResult } from '../../contract/index.ts';
import type { ServerDeps } from '../deps.ts';
import { resolveScope } from './project-scope.ts';

type RouteDeps = Pick<ServerDeps, 'audit' | 'projects'>;

export const auditRoutes: FastifyPluginAsync<{ deps: RouteDeps }> = async (app, { deps }) => {
  const { audit, projects } = deps;

  app.get('/audit', async (request): Promise<AuditLogPage> => {
    const { scope, ...filter } = auditQuery.parse(request.query);
    return audit.list(await resolveScope(request, projects, scope, 'viewer'), filter);
  });

  app.get('/audit/verify', async (request): Promise<AuditVerifyResult> => {
    const { scope } = auditVerifyQuery.parse(request.query);
    return audit.verify(await resolveScope(request, projects, scope, 'viewer'));
  });
};
