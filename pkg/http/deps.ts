import type { FastifyBaseLogger } from 'fastify';
import type { AuditService } from '../services/audit.ts';
import type { HealthService } from '../services/health.ts';
import type { IdentityService } from '../services/identity.ts';
import type { IncidentsService } from '../services/incidents.ts';
import type { IngestService } from '../services/ingest.ts';
import type { IngestTokensService } from '../services/ingest-tokens.ts';
import type { IntegrationTester } from '../services/integration-tester.ts';
import type { IntegrationsService } from '../services/integrations.ts';
import type { LiveEvents } from '../services/live-events.ts';
import type { Metrics } from '../services/metrics.ts';
import type { ProjectsService } from '../services/projects.ts';
import type { QueryTemplatesService } from '../services/query-templates.ts';
import type { TeamDirectory } from '../services/team-directory.ts';

/**
 * What the HTTP layer is built from: services only, never adapters, so that a route cannot reach the database or
 * an outbound client past the rules the services enforce. Each route plugin takes the few of them it uses.
 */
export interface ServerDeps {
  logger: FastifyBaseLogger;
  clock: () => Date;
  health: HealthService;
  identity: IdentityService;
  projects: ProjectsService;
  integrations: IntegrationsService;
  integrationTester: IntegrationTester;
  audit: AuditService;
  teams: TeamDirectory;
  incidents: IncidentsService;
  ingest: IngestService;
  ingestTokens: IngestTokensService;
  live: LiveEvents;
  metrics: Metrics;
  queryTemplates: QueryTemplatesService;
}
