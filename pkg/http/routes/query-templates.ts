import type { FastifyPluginAsync } from 'fastify';
import type { QueryTemplateList } from '../../contract/index.ts';
import { actorOf } from '../../services/caller.ts';
import type { ServerDeps } from '../deps.ts';
import { resolveScope } from './project-scope.ts';

type RouteDeps = Pick<ServerDeps, 'projects' | 'queryTemplates'>;

/** The project's PromQL templates: everyone in the project reads them, project admins change them. */
export const queryTemplateRoutes: FastifyPluginAsync<{ deps: RouteDeps }> = async (app, { deps }) => {
  const { projects, queryTemplates } = deps;
  const scopeOf = async (request: Parameters<typeof resolveScope>[0], role: 'viewer' | 'admin') => {
    const scope = await resolveScope(request, projects, 'project', role);
    return { orgId: scope.orgId, projectId: scope.projectId! };
  };

  app.get('/query-templates', async (request): Promise<QueryTemplateList> =>
    queryTemplates.get(await scopeOf(request, 'viewer'))
  );

  app.put('/query-templates', async (request): Promise<QueryTemplateList> => {
    const scope = await scopeOf(request, 'admin');
    return queryTemplates.replace(scope, actorOf(request.caller), request.body);
  });

  app.delete('/query-templates', async (request): Promise<QueryTemplateList> => {
    const scope = await scopeOf(request, 'admin');
    return queryTemplates.reset(scope, actorOf(request.caller));
  });
};
