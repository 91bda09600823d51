import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import {
  createIntegrationBody,
  integrationParams,
  updateIntegrationBody,
  type Integration,
  type IntegrationList,
  type IntegrationTestResult,
} from '../../contract/index.ts';
import { actorOf } from '../../services/caller.ts';
import type { ServerDeps } from '../deps.ts';
import { resolveScope } from './project-scope.ts';

type RouteDeps = Pick<ServerDeps, 'integrations' | 'integrationTester' | 'projects' | 'teams'>;

const scopeQuery = z.strictObject({ scope: z.enum(['project', 'org']).default('project') });

export const integrationRoutes: FastifyPluginAsync<{ deps: RouteDeps }> = async (app, { deps }) => {
  const { integrations, integrationTester, projects, teams } = deps;

  app.get('/integrations', async (request): Promise<IntegrationList> => {
    const { scope } = scopeQuery.parse(request.query);
    const target = await resolveScope(request, projects, scope, 'viewer');
    return { items: await integrations.list(target.orgId, target.projectId) };
  });

  app.get('/integrations/:id', async (request): Promise<Integration> => {
    const { scope } = scopeQuery.parse(request.query);
    const { id } = integrationParams.parse(request.params);
    return integrations.get(await resolveScope(request, projects, scope, 'viewer'), id);
  });

  app.post('/integrations', async (request, reply): Promise<Integration> => {
    const body = createIntegrationBody.parse(request.body);
    const target = await resolveScope(request, projects, body.scope, 'admin');
    const created = await integrations.create(target, actorOf(request.caller), body);
    if (created.type === 'grafana') {
      teams.forgetOrg(target.orgId);
    }
    reply.status(201);
    return created;
  });

  app.patch('/integrations/:id', async (request): Promise<Integration> => {
    const { scope } = scopeQuery.parse(request.query);
    const { id } = integrationParams.parse(request.params);
    const body = updateIntegrationBody.parse(request.body);
    const target = await resolveScope(request, projects, scope, 'admin');
    const updated = await integrations.update(target, actorOf(request.caller), id, body);
    teams.forgetOrg(target.orgId);
    return updated;
  });

  // Reaches the Prometheus as polling would (build info and `up`); a Prometheus that is down is ok=false, not an error.
  app.post('/integrations/:id/test', async (request): Promise<IntegrationTestResult> => {
    const { scope } = scopeQuery.parse(request.query);
    const { id } = integrationParams.parse(request.params);
    return integrationTester.test(await resolveScope(request, projects, scope, 'admin'), id);
  });

  app.delete('/integrations/:id', async (request, reply) => {
    const { scope } = scopeQuery.parse(request.query);
    const { id } = integrationParams.parse(request.params);
    const target = await resolveScope(request, projects, scope, 'admin');
    await integrations.remove(target, actorOf(request.caller), id);
    teams.forgetOrg(target.orgId);
    return reply.status(204).send();
  });
};
