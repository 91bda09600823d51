import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { queryTemplatesBody, type QueryTemplate, type QueryTemplateList } from '../contract/index.ts';
import { templateIntervalMs } from '../core/metric-normalizer.ts';
import type { Database } from '../adapters/db/database.ts';
import {
  deleteQueryTemplates,
  findQueryTemplates,
  upsertQueryTemplates,
} from '../adapters/db/repositories/query-templates.ts';
import type { AuditService } from './audit.ts';
import type { AuditActor } from './caller.ts';
import { badRequest } from './errors.ts';
import type { TenantScope } from '../core/tenant-scope.ts';

export class TemplatesFileError extends Error {}

/** Reads and validates a templates file (YAML: `templates: [...]`); every problem is reported with its place. */
export function loadTemplatesFile(path: string): QueryTemplate[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TemplatesFileError(`PROMETHEUS_DEFAULT_QUERIES: cannot read ${path}: ${(error as Error).message}`);
  }
  return parseTemplatesYaml(text, path);
}

export function parseTemplatesYaml(text: string, origin: string): QueryTemplate[] {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` (line ${error.linePos[0].line})` : '';
    throw new TemplatesFileError(`${origin}${where}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = queryTemplatesBody.safeParse(document);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new TemplatesFileError(`${origin}: invalid templates:\n${lines.join('\n')}`);
  }
  return parsed.data.templates;
}

/**
 * The PromQL templates of each project: its own when it has saved some, otherwise the defaults from
 * PROMETHEUS_DEFAULT_QUERIES. Changes are audited.
 */
export class QueryTemplatesService {
  private readonly db: Database;
  private readonly clock: () => Date;
  private readonly defaults: QueryTemplate[];
  private readonly baseIntervalMs: number;
  private readonly audit: AuditService;

  constructor(
    deps: { db: Database; clock: () => Date; audit: AuditService },
    config: { defaults: QueryTemplate[]; baseIntervalMs: number }
  ) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.audit = deps.audit;
    this.defaults = config.defaults;
    this.baseIntervalMs = config.baseIntervalMs;
  }

  async get(scope: TenantScope<string>): Promise<QueryTemplateList> {
    const own = await this.db.withTenant(scope, (tx) => findQueryTemplates(tx, scope));
    return this.present(own ? 'project' : 'default', own ? storedTemplates(own.templates) : this.defaults);
  }

  /** The templates to poll for a project (its own or the defaults). */
  async effective(scope: TenantScope<string>): Promise<QueryTemplate[]> {
    return (await this.get(scope)).templates;
  }

  async replace(scope: TenantScope<string>, actor: AuditActor, input: unknown): Promise<QueryTemplateList> {
    const parsed = queryTemplatesBody.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw badRequest(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    const templates = parsed.data.templates;
    await this.db.withTenant(scope, async (tx) => {
      await upsertQueryTemplates(tx, scope, templates, actor.id, this.clock());
      await this.audit.append(
        tx,
        scope,
        actor,
        {
          action: 'query_templates.updated',
          resourceType: 'project',
          resourceId: scope.projectId,
          details: { templates: templates.map((t) => t.name) },
        },
        this.clock()
      );
    });
    return this.present('project', templates);
  }

  /** Back to the defaults. */
  async reset(scope: TenantScope<string>, actor: AuditActor): Promise<QueryTemplateList> {
    await this.db.withTenant(scope, async (tx) => {
      if (await deleteQueryTemplates(tx, scope)) {
        await this.audit.append(
          tx,
          scope,
          actor,
          { action: 'query_templates.reset', resourceType: 'project', resourceId: scope.projectId },
          this.clock()
        );
      }
    });
    return this.present('default', this.defaults);
  }

  private present(source: QueryTemplateList['source'], templates: QueryTemplate[]): QueryTemplateList {
    return {
      source,
      templates,
      effectiveIntervals: Object.fromEntries(
        templates.map((t) => [t.name, templateIntervalMs(t, this.baseIntervalMs) / 1000])
      ),
    };
  }
}

/** Stored rows were validated on the way in; parse again so a hand-edited row cannot poison the poller. */
function storedTemplates(value: unknown): QueryTemplate[] {
  const parsed = z.array(z.unknown()).safeParse(value);
  return parsed.success ? queryTemplatesBody.parse({ templates: parsed.data }).templates : [];
}
