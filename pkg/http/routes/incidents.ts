import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import {
  commentBody,
  createIncidentBody,
  incidentListQuery,
  incidentParams,
  transitionBody,
  updateIncidentBody,
  type Incident,
  type IncidentDetail,
  type IncidentEvent,
  type IncidentPage,
} from '../../contract/index.ts';
import { actorOf } from '../../services/caller.ts';
import type { ServerDeps } from '../deps.ts';
import { resolveScope } from './project-scope.ts';

type RouteDeps = Pick<ServerDeps, 'incidents' | 'projects' | 'live'>;

const streamQuery = z.strictObject({ projectId: z.uuid() });

export const incidentRoutes: FastifyPluginAsync<{ deps: RouteDeps }> = async (app, { deps }) => {
  const { incidents, projects, live } = deps;
  const projectScope = async (request: Parameters<typeof resolveScope>[0], role: 'viewer' | 'engineer') => {
    const scope = await resolveScope(request, projects, 'project', role);
    return { orgId: scope.orgId, projectId: scope.projectId! };
  };

  app.get('/incidents', async (request): Promise<IncidentPage> => {
    const query = incidentListQuery.parse(request.query);
    return incidents.list(await projectScope(request, 'viewer'), query);
  });

  app.get('/incidents/:id', async (request): Promise<IncidentDetail> => {
    const { id } = incidentParams.parse(request.params);
    return incidents.get(await projectScope(request, 'viewer'), id);
  });

  app.post('/incidents', async (request, reply): Promise<Incident> => {
    const body = createIncidentBody.parse(request.body);
    const created = await incidents.create(await projectScope(request, 'engineer'), actorOf(request.caller), body);
    reply.status(201);
    return created;
  });

  app.patch('/incidents/:id', async (request): Promise<Incident> => {
    const { id } = incidentParams.parse(request.params);
    const body = updateIncidentBody.parse(request.body);
    return incidents.update(await projectScope(request, 'engineer'), actorOf(request.caller), id, body);
  });

  app.post('/incidents/:id/transitions', async (request): Promise<Incident> => {
    const { id } = incidentParams.parse(request.params);
    const body = transitionBody.parse(request.body);
    return incidents.transition(await projectScope(request, 'engineer'), actorOf(request.caller), id, body);
  });

  app.post('/incidents/:id/comments', async (request, reply): Promise<IncidentEvent> => {
    const { id } = incidentParams.parse(request.params);
    const body = commentBody.parse(request.body);
    const event = await incidents.comment(await projectScope(request, 'engineer'), actorOf(request.caller), id, body);
    reply.status(201);
    return event;
  });

  /**
   * Server-sent events of the project. The project comes in the query: EventSource cannot send headers.
   * Events are hints ("incident X changed"); clients fetch what changed. Each user holds at most
   * `SSE_MAX_STREAMS_PER_USER` streams per replica (429 beyond); a stream's slot is given back when it closes.
   */
  app.get('/stream', async (request, reply) => {
    const { projectId } = streamQuery.parse(request.query);
    await projects.access(request.caller, projectId, 'viewer');
    const release = live.reserveStream(request.caller);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': String(request.id),
    });
    raw.write('retry: 3000\n\n');
    const unsubscribe = live.subscribe(request.caller.orgId, projectId, (event) => {
      raw.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    });
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
    const close = () => {
      clearInterval(heartbeat);
      unsubscribe();
      release();
    };
    request.raw.on('close', close);
    // A client gone while its access was checked closed the request before the listener was there.
    if (raw.destroyed) {
      close();
    }
  });
};
