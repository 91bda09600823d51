import type { FastifyPluginAsync } from 'fastify';
import {
  createIngestTokenBody,
  ingestTokenParams,
  type CreatedIngestToken,
  type IngestTokenList,
} from '../../contract/index.ts';
import { actorOf } from '../../services/caller.ts';
import type { ServerDeps } from '../deps.ts';
import { resolveScope } from './project-scope.ts';

type RouteDeps = Pick<ServerDeps, 'ingestTokens' | 'projects'>;

export const ingestTokenRoutes: FastifyPluginAsync<{ deps: RouteDeps }> = async (app, { deps }) => {
  const { ingestTokens, projects } = deps;

  app.get('/ingest-tokens', async (request): Promise<IngestTokenList> => {
    const scope = await resolveScope(request, projects, 'project', 'admin');
    return { items: await ingestTokens.list(scope) };
  });

  app.post('/ingest-tokens', async (request, reply): Promise<CreatedIngestToken> => {
    const body = createIngestTokenBody.parse(request.body);
    const scope = await resolveScope(request, projects, 'project', 'admin');
    const created = await ingestTokens.create(
      { orgId: scope.orgId, projectId: scope.projectId! },
      actorOf(request.caller),
      body
    );
    reply.status(201);
    return created;
  });

  app.delete('/ingest-tokens/:id', async (request, reply) => {
    const { id } = ingestTokenParams.parse(request.params);
    const scope = await resolveScope(request, projects, 'project', 'admin');
    await ingestTokens.revoke(scope, actorOf(request.caller), id);
    return reply.status(204).send();
  });
};
