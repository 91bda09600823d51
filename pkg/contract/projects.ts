/** Projects, their members and roles, and the project a caller works in (`POST /auth/switch-project`). */
import { z } from 'zod';
import { PROJECT_ROLES, type ProjectRole } from '../core/project-role.ts';
import { description, id, name } from './common.ts';

/** The header the UI sends with every project-scoped call, after `POST /auth/switch-project`. */
export const PROJECT_HEADER = 'x-project-id';

export const projectRoleSchema = z.enum(PROJECT_ROLES);
export type ProjectRoleName = ProjectRole;

export const permissionsSchema = z.object({
  read: z.boolean(),
  write: z.boolean(),
  manageProject: z.boolean(),
  manageMembers: z.boolean(),
  manageIntegrations: z.boolean(),
});
export type Permissions = z.infer<typeof permissionsSchema>;

export interface Project {
  id: string;
  orgId: number;
  teamId: number;
  name: string;
  slug: string;
  description: string;
  isActive: boolean;
  role: ProjectRoleName;
  createdAt: string;
  updatedAt: string;
}
export interface ProjectList {
  items: Project[];
}

export const createProjectBody = z.strictObject({
  teamId: z.number().int().positive(),
  name: name.optional(),
  description: description.optional(),
});
export type CreateProjectBody = z.infer<typeof createProjectBody>;

export const updateProjectBody = z
  .strictObject({ name: name.optional(), description: description.optional(), isActive: z.boolean().optional() })
  .refine((b) => Object.keys(b).length > 0, { error: 'give at least one of name, description, isActive' });
export type UpdateProjectBody = z.infer<typeof updateProjectBody>;

export const projectParams = z.object({ id });
export const memberParams = z.object({ id, userId: z.coerce.number().int().positive() });

export interface ProjectMember {
  userId: number;
  login: string;
  role: ProjectRoleName;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}
export interface ProjectMemberList {
  items: ProjectMember[];
}
export const putMemberBody = z.strictObject({ role: projectRoleSchema, login: z.string().max(200).optional() });
export type PutMemberBody = z.infer<typeof putMemberBody>;

export const switchProjectBody = z.strictObject({ projectId: id });
export type SwitchProjectBody = z.infer<typeof switchProjectBody>;
export interface ProjectContext {
  project: Project;
  role: ProjectRoleName;
  permissions: Permissions;
  user: { id: number; login: string; name: string; orgId: number; orgRole: string };
}
