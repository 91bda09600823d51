/**
 * Who a thing belongs to: a Grafana org (the tenant) and one of its projects (a Grafana team), or `null` for
 * org-level things. `TenantScope<string>` is a scope inside one project.
 */
export interface TenantScope<ProjectId extends string | null = string | null> {
  orgId: number;
  projectId: ProjectId;
}
