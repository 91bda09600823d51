import type { FastifyPluginAsync } from 'fastify';
import {
  createProjectBody,
  memberParams,
  projectParams,
  putMemberBody,
  switchProjectBody,
  updateProjectBody,
  type Project,
  type ProjectContext,
  type ProjectList,
  type ProjectMember,
  type ProjectMemberList,
  type WhoAmI,
} from '../../contract/index.ts';
import type { ServerDeps } from '../deps.ts';

type RouteDeps = Pick<ServerDeps, 'projects' | 'teams'>;

export const projectRoutes: FastifyPluginAsync<{ deps: RouteDeps }> = async (app, { deps }) => {
  const { projects } = deps;

  app.get('/projects', async (request): Promise<ProjectList> => ({
    items: await projects.listForCaller(request.caller),
  }));

  app.post('/projects', async (request, reply): Promise<Project> => {
    const body = createProjectBody.parse(request.body);
    reply.status(201);
    return projects.create(request.caller, body);
  });

  app.get('/projects/:id', async (request): Promise<Project> => {
    const { id } = projectParams.parse(request.params);
    return (await projects.access(request.caller, id)).project;
  });

  app.patch('/projects/:id', async (request): Promise<Project> => {
    const { id } = projectParams.parse(request.params);
    return projects.update(request.caller, id, updateProjectBody.parse(request.body));
  });

  app.get('/projects/:id/members', async (request): Promise<ProjectMemberList> => {
    const { id } = projectParams.parse(request.params);
    return { items: await projects.listMembers(request.caller, id) };
  });

  app.put('/projects/:id/members/:userId', async (request): Promise<ProjectMember> => {
    const { id, userId } = memberParams.parse(request.params);
    return projects.putMember(request.caller, id, userId, putMemberBody.parse(request.body));
  });

  app.delete('/projects/:id/members/:userId', async (request, reply) => {
    const { id, userId } = memberParams.parse(request.params);
    await projects.removeMember(request.caller, id, userId);
    return reply.status(204).send();
  });

  app.get('/whoami', async (request): Promise<WhoAmI> => {
    const caller = request.caller;
    return {
      user: {
        id: caller.userId,
        login: caller.login,
        name: caller.name,
        email: caller.email,
        orgId: caller.orgId,
        orgRole: caller.orgRole,
        isServiceAccount: caller.subjectType === 'service-account',
      },
      teamIds: await deps.teams.teamIdsOf(caller),
    };
  });

  app.post('/auth/switch-project', async (request): Promise<ProjectContext> => {
    const { projectId } = switchProjectBody.parse(request.body);
    return projects.switchTo(request.caller, projectId);
  });
};
