import type { FastifyPluginAsync } from 'fastify';
import {
  auditCheckpointsQuery,
  auditQuery,
  auditVerifyBody,
  auditVerifyQueryParsed,
  type AuditCheckpointPage,
  type AuditLogPage,
  type AuditVerifyResult,
} from '../../contract/index.ts';
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
    const { scope, checkpoint } = auditVerifyQueryParsed.parse(request.query);
    return audit.verify(await resolveScope(request, projects, scope, 'viewer'), { checkpoint });
  });

  // The same with the checkpoint in the body, for checkpoints too long or awkward for a URL.
  app.post('/audit/verify', async (request): Promise<AuditVerifyResult> => {
    const { scope, checkpoint } = auditVerifyBody.parse(request.body ?? {});
    return audit.verify(await resolveScope(request, projects, scope, 'viewer'), { checkpoint });
  });

  // Checkpoints are for export by whoever answers for the log: project admins, or org Admins for the org chain.
  app.get('/audit/checkpoints', async (request): Promise<AuditCheckpointPage> => {
    const { scope, ...page } = auditCheckpointsQuery.parse(request.query);
    return audit.checkpoints(await resolveScope(request, projects, scope, 'admin'), page);
  });
};
