import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSidecar, type TestSidecar } from '../testing/test-sidecar.ts';

interface Operation {
  operationId?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ in: string; name: string; required?: boolean }>;
  responses: Record<string, { description?: unknown }>;
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  tags?: Array<{ name: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every `$ref` in `value`, wherever it is nested. */
function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) {
    value.forEach((item) => refsIn(item, found));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') {
        found.push(item);
      } else {
        refsIn(item, found);
      }
    }
  }
  return found;
}

/** Resolves a local JSON pointer such as `#/components/schemas/ErrorBody`. */
function resolvePointer(document: unknown, ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], document);
}

describe('OpenAPI document', () => {
  let t: TestSidecar;
  let document: Document;
  let contentType: string | undefined;
  /** The routes each fastify instance registered, as `METHOD /path/{param}`, collected through onRoute. */
  const routesOf = new Map<FastifyInstance, string[]>();

  beforeAll(async () => {
    // fastify announces each new instance before any plugin is registered: the place to watch every route.
    const watch = (message: unknown) => {
      const app = (message as { fastify: FastifyInstance }).fastify;
      const routes: string[] = [];
      routesOf.set(app, routes);
      app.addHook('onRoute', (route) => {
        for (const method of [route.method].flat()) {
          routes.push(`${method} ${route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
        }
      });
    };
    subscribe('fastify.initialization', watch);
    try {
      t = await createTestSidecar('pglite');
    } finally {
      unsubscribe('fastify.initialization', watch);
    }
    // No credentials of any kind: the document is public.
    const res = await t.sidecar.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    contentType = res.headers['content-type'] as string | undefined;
    document = res.json<Document>();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is served without authentication as JSON', () => {
    expect(contentType).toMatch(/^application\/json\b/);
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info.title).toBeTruthy();
    expect(document.info.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('describes every route of the API, and only routes that exist', () => {
    const registered = routesOf.get(t.sidecar.app);
    expect(registered).toBeDefined();
    // HEAD routes are fastify's automatic twins of the GET routes.
    const served = new Set(registered!.filter((route) => !route.startsWith('HEAD ')));
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)
      )
    );
    const api = [...served].filter((route) => route.split(' ')[1]!.startsWith('/api/v1/'));
    expect(api.length).toBeGreaterThan(30);
    expect(api.filter((route) => !documented.has(route))).toEqual([]);
    expect([...documented].filter((route) => !served.has(route))).toEqual([]);
  });

  it('is a well-formed OpenAPI 3.1 document', () => {
    const paths = Object.entries(document.paths);
    expect(paths.length).toBeGreaterThan(0);
    const declaredTags = new Set((document.tags ?? []).map((tag) => tag.name));
    const operationIds: string[] = [];
    for (const [path, item] of paths) {
      expect(path).toMatch(/^\//);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
      for (const [method, operation] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(METHODS, where).toContain(method);
        operationIds.push(operation.operationId ?? where);
        // Path parameters: exactly the template's names, each required.
        const pathParams = (operation.parameters ?? []).filter((p) => p.in === 'path');
        expect(pathParams.map((p) => p.name).sort(), where).toEqual(templated);
        expect(
          pathParams.every((p) => p.required === true),
          where
        ).toBe(true);
        // Responses: status codes with descriptions, a success and (behind authentication) the error shape.
        const statuses = Object.keys(operation.responses);
        expect(statuses.length, where).toBeGreaterThan(0);
        expect(
          statuses.every((status) => /^[1-5]\d\d$/.test(status) || status === 'default'),
          where
        ).toBe(true);
        expect(
          statuses.some((status) => status.startsWith('2')),
          where
        ).toBe(true);
        expect(
          Object.values(operation.responses).every((r) => typeof r.description === 'string'),
          where
        ).toBe(true);
        for (const requirement of operation.security ?? []) {
          for (const scheme of Object.keys(requirement)) {
            expect(document.components.securitySchemes, where).toHaveProperty([scheme]);
          }
        }
        for (const tag of operation.tags ?? []) {
          expect(declaredTags, where).toContain(tag);
        }
      }
    }
    expect(new Set(operationIds).size).toBe(operationIds.length);
    for (const ref of refsIn(document)) {
      expect(ref).toMatch(/^#\//);
      expect(resolvePointer(document, ref), ref).toBeDefined();
    }
  });

  it('names the authentication of each kind of route', () => {
    const security = (method: string, path: string) => document.paths[path]![method]!.security;
    expect(security('get', '/api/v1/openapi.json')).toEqual([]);
    expect(security('get', '/health')).toEqual([]);
    expect(security('post', '/api/v1/webhooks/alertmanager')).toEqual([{ ingestToken: [] }]);
    expect(security('get', '/api/v1/incidents')).toContainEqual({ sidecarSecret: [], grafanaIdToken: [] });
    expect(document.components.securitySchemes.sidecarSecret).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-SRE-Copilot-Secret',
    });
    const unauthorized = document.paths['/api/v1/incidents']!.get!.responses['401'] as {
      content?: Record<string, { schema?: unknown }>;
    };
    expect(unauthorized.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/ErrorBody' });
  });
});
