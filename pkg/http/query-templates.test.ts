import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditLogPage, Project, ProjectList, QueryTemplateList } from '../contract/index.ts';
import { loadTemplatesFile, parseTemplatesYaml, TemplatesFileError } from '../services/query-templates.ts';
import type { TestUser } from '../testing/grafana-identity.ts';
import { TEST_DIALECTS } from '../testing/test-database.ts';
import { createTestSidecar, type TestSidecar } from '../testing/test-sidecar.ts';
import { admin, victor, bob } from '../testing/test-users.ts';

const mallory: TestUser = { orgId: 2, userId: 20, login: 'mallory', orgRole: 'Admin', teams: [] };

const custom = [
  {
    name: 'checkout-errors',
    description: 'Checkout 5xx ratio',
    query:
      'sum by (service) (rate(http_requests_total{code=~"5..", {{filter}} }[1m])) / sum by (service) (rate(http_requests_total{ {{filter}} }[1m]))',
    direction: 'up',
    tier: 'critical',
  },
  { name: 'slow-batch', query: 'max by (job) (batch_duration_seconds)', service: '{{job}}', intervalSeconds: 900 },
];

describe('the shipped default templates file', () => {
  it('loads: golden signals for every service', () => {
    const templates = loadTemplatesFile('config/promql_templates.yaml');
    expect(templates.map((t) => t.name)).toEqual([
      'request-rate',
      'error-ratio',
      'latency-p95',
      'latency-p99',
      'cpu-usage',
      'memory-usage',
    ]);
    expect(templates.find((t) => t.name === 'error-ratio')).toMatchObject({ direction: 'up', tier: 'critical' });
    expect(templates.find((t) => t.name === 'request-rate')).toMatchObject({ direction: 'both', tier: 'standard' });
  });

  it('reports a broken file with its place, and every invalid field', () => {
    expect(() => parseTemplatesYaml('templates:\n  - name: a\n    query: [unclosed\n', 'bad.yaml')).toThrow(
      /bad\.yaml \(line \d+\): not valid YAML/
    );
    const error = (() => {
      try {
        parseTemplatesYaml(
          'templates:\n  - name: Bad Name\n    query: up\n  - name: ok\n    direction: sideways\n',
          'bad.yaml'
        );
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(TemplatesFileError);
    expect(error!.message).toMatch(/templates\.0\.name: lower-case letters/);
    expect(error!.message).toMatch(/templates\.1\.query: /);
    expect(error!.message).toMatch(/templates\.1\.direction: /);
    const dir = mkdtempSync(join(tmpdir(), 'templates-'));
    expect(() => loadTemplatesFile(join(dir, 'missing.yaml'))).toThrow(/PROMETHEUS_DEFAULT_QUERIES: cannot read/);
    writeFileSync(join(dir, 'dup.yaml'), 'templates:\n  - { name: a, query: up }\n  - { name: a, query: up }\n');
    expect(() => loadTemplatesFile(join(dir, 'dup.yaml'))).toThrow(/template names must be unique/);
  });
});

describe('a sidecar started with a broken templates file', () => {
  it('exits with status 2 and says what is wrong, before opening its database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'templates-start-'));
    writeFileSync(join(dir, 'templates.yaml'), 'templates:\n  - name: ok\n    query: up\n    tier: urgent\n');
    const child = spawn(process.execPath, ['pkg/main.ts'], {
      env: {
        ...process.env,
        DATA_DIR: join(dir, 'data'),
        PORT: '0',
        PROMETHEUS_DEFAULT_QUERIES: join(dir, 'templates.yaml'),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/templates\.yaml: invalid templates:\n\s+templates\.0\.tier: /);
    expect(existsSync(join(dir, 'data', 'pgdata'))).toBe(false);
  });
});

describe.each(TEST_DIALECTS)('query templates API on %s', (dialect) => {
  let t: TestSidecar;
  let project: Project;
  let other: Project;

  const get = (user: TestUser, projectId: string) => t.call(user, '/api/v1/query-templates', { projectId });

  beforeAll(async () => {
    t = await createTestSidecar(dialect, { PROMETHEUS_POLL_INTERVAL: '30' });
    // Projects are registered when a member of their team first calls.
    await t.call(victor, '/api/v1/projects');
    await t.call(bob, '/api/v1/projects');
    const projects = (await t.call(admin, '/api/v1/projects')).json<ProjectList>().items;
    project = projects.find((p) => p.teamId === 100) ?? projects[0]!;
    other = projects.find((p) => p.id !== project.id)!;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows the defaults, with the interval each runs at, to everyone in the project', async () => {
    const res = await get(victor, project.id);
    expect(res.statusCode).toBe(200);
    const list = res.json<QueryTemplateList>();
    expect(list.source).toBe('default');
    expect(list.templates).toHaveLength(6);
    expect(list.effectiveIntervals).toMatchObject({ 'error-ratio': 30, 'request-rate': 150 });
  });

  it('lets project admins replace them, audited; viewers and other orgs cannot', async () => {
    expect(
      (
        await t.call(victor, '/api/v1/query-templates', {
          method: 'PUT',
          projectId: project.id,
          body: { templates: custom },
        })
      ).statusCode
    ).toBe(403);
    expect(
      (
        await t.call(mallory, '/api/v1/query-templates', {
          method: 'PUT',
          projectId: project.id,
          body: { templates: custom },
        })
      ).statusCode
    ).toBe(404);
    const res = await t.call(admin, '/api/v1/query-templates', {
      method: 'PUT',
      projectId: project.id,
      body: { templates: custom },
    });
    expect(res.statusCode).toBe(200);
    const saved = res.json<QueryTemplateList>();
    expect(saved.source).toBe('project');
    expect(saved.templates.map((x) => [x.name, x.direction, x.tier, x.service, x.enabled])).toEqual([
      ['checkout-errors', 'up', 'critical', '{{service}}', true],
      ['slow-batch', 'both', 'standard', '{{job}}', true],
    ]);
    expect(saved.effectiveIntervals).toEqual({ 'checkout-errors': 30, 'slow-batch': 900 });
    expect((await get(victor, project.id)).json<QueryTemplateList>()).toEqual(saved);
    // Another project keeps the defaults.
    expect((await get(admin, other.id)).json<QueryTemplateList>().source).toBe('default');
    const audit = (
      await t.call(admin, '/api/v1/audit?action=query_templates.updated', { projectId: project.id })
    ).json<AuditLogPage>();
    expect(audit.items[0]).toMatchObject({
      action: 'query_templates.updated',
      details: { templates: ['checkout-errors', 'slow-batch'] },
    });
  });

  it('refuses invalid templates with 400 and keeps what was saved', async () => {
    const before = (await get(admin, project.id)).json<QueryTemplateList>();
    const cases: Array<[unknown, RegExp]> = [
      [{ templates: [custom[0], custom[0]] }, /template names must be unique/],
      [{ templates: [{ ...custom[0], name: 'Has Spaces' }] }, /^templates\.0\.name: /],
      [{ templates: [{ name: 'x' }] }, /^templates\.0\.query: /],
      [{ templates: [{ name: 'x', query: 'up', direction: 'sideways' }] }, /^templates\.0\.direction: /],
      [{ templates: [{ name: 'x', query: 'up', intervalSeconds: 0.5 }] }, /^templates\.0\.intervalSeconds: /],
      [{ templates: [{ name: 'x', query: 'up', extra: true }] }, /extra/],
      [{ nope: [] }, /./],
      [[], /./],
    ];
    for (const [body, message] of cases) {
      const res = await t.call(admin, '/api/v1/query-templates', {
        method: 'PUT',
        projectId: project.id,
        body: body as object,
      });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json<{ error: { message: string } }>().error.message).toMatch(message);
    }
    const text = await t.call(admin, '/api/v1/query-templates', {
      method: 'PUT',
      projectId: project.id,
      body: 'templates: []',
      headers: { 'content-type': 'text/yaml' },
    });
    expect(text.statusCode).toBe(415);
    expect((await get(admin, project.id)).json<QueryTemplateList>()).toEqual(before);
  });

  it('resets to the defaults', async () => {
    expect(
      (await t.call(victor, '/api/v1/query-templates', { method: 'DELETE', projectId: project.id })).statusCode
    ).toBe(403);
    const res = await t.call(admin, '/api/v1/query-templates', { method: 'DELETE', projectId: project.id });
    expect(res.statusCode).toBe(200);
    expect(res.json<QueryTemplateList>().source).toBe('default');
    expect((await get(victor, project.id)).json<QueryTemplateList>().source).toBe('default');
  });
});
