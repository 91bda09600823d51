/**
 * The sidecar's HTTP API: zod schemas and the types inferred from them, one file per resource. The plugin imports
 * types from here (`import type`) and from nowhere else in pkg/. The contract imports only zod and pkg/core: the
 * vocabularies (incident statuses, severities, signal types and statuses, project roles) are core's, and the
 * contract builds its enums from core's arrays. pkg/http/openapi.ts describes the routes from these schemas.
 */
export * from './errors.ts';
export * from './projects.ts';
export * from './integrations.ts';
export * from './audit.ts';
export * from './system.ts';
export * from './ingest.ts';
export * from './ingest-tokens.ts';
export * from './incidents.ts';
export * from './prometheus.ts';
