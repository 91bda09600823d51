import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditLogPage, Integration, IntegrationList } from '../contract/index.ts';
import { loadConfig } from '../config.ts';
import { PostgresDatabase } from '../adapters/db/postgres.ts';
import { SecretBox } from '../adapters/secret-box.ts';
import { createSidecar } from '../main.ts';
import { systemActor } from '../services/caller.ts';
import type { TestUser } from '../testing/grafana-identity.ts';
import { admin1, admin2, alice, seedProjects, victor, xAdmin } from '../testing/integration-fixture.ts';
import { TEST_DIALECTS } from '../testing/test-database.ts';
import {
  ORG_SECRETS,
  TEST_KEYS,
  createTestSidecar,
  type CallOptions,
  type TestSidecar,
} from '../testing/test-sidecar.ts';

/** Every secret value this file sends; none may come back in a response or show up in a log line. */
const S = {
  promPassword: `prom-password-${randomUUID()}`,
  promPassword2: `prom-password-2-${randomUUID()}`,
  promBearer: `prom-bearer-${randomUUID()}`,
  openaiKey: `sk-${randomUUID()}`,
  grafanaToken: `glsa_${randomUUID().replaceAll('-', '')}`,
  grafanaToken2: `glsa_${randomUUID().replaceAll('-', '')}`,
  org2Token: `glsa_${randomUUID().replaceAll('-', '')}`,
  shared: `shared-${randomUUID()}`,
  misc: `misc-${randomUUID()}`,
  /** Sent only in requests that are refused. */
  rejected: `rejected-${randomUUID()}`,
};
const SECRET_VALUES = Object.values(S);
/** Also never logged: the org secrets and the encryption key material. */
const NEVER_LOGGED = [...SECRET_VALUES, ...Object.values(ORG_SECRETS), TEST_KEYS.split(':')[1]!];

const K1 = TEST_KEYS;
const K2 = `k2:${Buffer.alloc(32, 9).toString('base64')}`;

interface IntegrationRow {
  id: string;
  org_id: number;
  project_id: string | null;
  name: string;
  secret_ciphertext: string | null;
  secret_key_id: string | null;
  secret_fields: string[];
}

const lineCollector = (lines: string[]) =>
  new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });

/** A TCP port on which nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each(TEST_DIALECTS)('integrations on %s', (dialect) => {
  let t: TestSidecar;
  let X: string;
  let Y: string;
  let unreachableGrafana: string;
  /** Every response of this file, headers and body. */
  const seen: string[] = [];

  async function call(user: TestUser, url: string, options: CallOptions = {}): Promise<LightMyRequestResponse> {
    const res = await t.call(user, url, options);
    const text = `${JSON.stringify(res.headers)}\n${res.payload}`;
    seen.push(text);
    expect(
      SECRET_VALUES.filter((s) => text.includes(s)),
      `${options.method ?? 'GET'} ${url} returned a secret`
    ).toEqual([]);
    return res;
  }

  async function ok<T>(res: Promise<LightMyRequestResponse>, status = 200): Promise<T> {
    const r = await res;
    expect(r.statusCode, r.payload).toBe(status);
    return r.json<T>();
  }

  async function fails(res: Promise<LightMyRequestResponse>, status: number, message?: RegExp) {
    const r = await res;
    expect(r.statusCode, r.payload).toBe(status);
    const error = r.json<{ error: { code: string; message: string } }>().error;
    if (message) {
      expect(error.message).toMatch(message);
    }
    return error;
  }

  const create = (user: TestUser, body: unknown, projectId?: string) =>
    call(user, '/api/v1/integrations', { method: 'POST', body, projectId });

  async function row(id: string): Promise<IntegrationRow | undefined> {
    return t.inspect.withOwner(
      async (tx) =>
        (
          await tx.query<IntegrationRow>(
            `SELECT id, org_id::int8 AS org_id, project_id, name, secret_ciphertext, secret_key_id, secret_fields
               FROM integrations WHERE id = $1`,
            [id]
          )
        ).rows[0]
    );
  }

  /** Opens a row's secrets with the given keys, as the service does (associated data: the integration id). */
  function openRow(r: IntegrationRow, keys = K1): Record<string, string> {
    const box = new SecretBox(loadConfig({ ENCRYPTION_KEYS: keys }).ENCRYPTION_KEYS!);
    return JSON.parse(box.open({ keyId: r.secret_key_id!, ciphertext: r.secret_ciphertext! }, `integration:${r.id}`));
  }

  async function countIntegrations(): Promise<number> {
    return t.inspect.withOwner(
      async (tx) => (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM integrations')).rows[0]!.n
    );
  }

  beforeAll(async () => {
    // An allowed Grafana host where nothing listens, for a call with the Grafana token that fails.
    unreachableGrafana = `127.0.0.1:${await closedPort()}`;
    t = await createTestSidecar(dialect, {
      LOG_LEVEL: 'trace',
      PROMETHEUS_ALLOWED_HOSTS: 'prom.example:9090',
      OUTBOUND_ALLOWED_HOSTS: unreachableGrafana,
    });
    // Grafana's teams API, for the org service accounts this file stores as grafana integrations
    t.grafana.serviceAccounts.set(S.grafanaToken, 1);
    t.grafana.serviceAccounts.set(S.grafanaToken2, 1);
    t.grafana.serviceAccounts.set(S.org2Token, 2);
    ({ X, Y } = await seedProjects(t));
  });

  afterAll(async () => {
    await t?.close();
  });

  it('creates, lists, gets, updates and deletes a project integration; secret values are write-only', async () => {
    const created = await ok<Integration>(
      create(
        xAdmin,
        {
          type: 'prometheus',
          name: 'prom',
          config: { mode: 'direct', url: 'https://prom.example:9090', username: 'reader' },
          secrets: { password: S.promPassword, bearerToken: S.promBearer },
        },
        X
      ),
      201
    );
    expect(Object.keys(created).sort()).toEqual([
      'config',
      'createdAt',
      'id',
      'name',
      'scope',
      'secretFields',
      'type',
      'updatedAt',
    ]);
    expect(created).toMatchObject({
      scope: 'project',
      type: 'prometheus',
      name: 'prom',
      config: { mode: 'direct', url: 'https://prom.example:9090', username: 'reader' },
      secretFields: ['bearerToken', 'password'],
    });
    expect(openRow((await row(created.id))!)).toEqual({ password: S.promPassword, bearerToken: S.promBearer });

    // defaults of the type's config are filled in; an integration may have no secrets at all
    const llm = await ok<Integration>(
      create(xAdmin, { type: 'openai', name: 'llm', secrets: { apiKey: S.openaiKey } }, X),
      201
    );
    expect(llm).toMatchObject({ config: { provider: 'openai' }, secretFields: ['apiKey'] });
    const am = await ok<Integration>(
      create(xAdmin, { type: 'alertmanager', name: 'am', config: { url: 'https://am.example' } }, X),
      201
    );
    expect(am.secretFields).toEqual([]);
    expect(await row(am.id)).toMatchObject({ secret_ciphertext: null, secret_key_id: null, secret_fields: [] });

    // a viewer reads the names of the secrets, never their values
    const list = await ok<IntegrationList>(call(victor, '/api/v1/integrations', { projectId: X }));
    expect(list.items.map((i) => i.name)).toEqual(['am', 'llm', 'prom']);
    expect(list.items.find((i) => i.id === created.id)).toEqual(created);
    expect(await ok<Integration>(call(victor, `/api/v1/integrations/${created.id}`, { projectId: X }))).toEqual(
      created
    );

    // updates: secrets not named stay, null removes one, a value replaces one
    const patch = (body: unknown) =>
      ok<Integration>(call(xAdmin, `/api/v1/integrations/${created.id}`, { method: 'PATCH', body, projectId: X }));
    const renamed = await patch({ name: 'prom-main', config: { mode: 'grafana', datasourceUid: 'prom-uid' } });
    expect(renamed).toMatchObject({
      name: 'prom-main',
      config: { mode: 'grafana', datasourceUid: 'prom-uid' },
      secretFields: ['bearerToken', 'password'],
    });
    expect(openRow((await row(created.id))!)).toEqual({ password: S.promPassword, bearerToken: S.promBearer });
    expect((await patch({ secrets: { password: null } })).secretFields).toEqual(['bearerToken']);
    expect(openRow((await row(created.id))!)).toEqual({ bearerToken: S.promBearer });
    expect((await patch({ secrets: { password: S.promPassword2 } })).secretFields).toEqual(['bearerToken', 'password']);
    expect(openRow((await row(created.id))!)).toEqual({ bearerToken: S.promBearer, password: S.promPassword2 });
    expect((await patch({ secrets: { password: null, bearerToken: null } })).secretFields).toEqual([]);
    expect(await row(created.id)).toMatchObject({ secret_ciphertext: null, secret_key_id: null, secret_fields: [] });
    expect((await patch({ secrets: { bearerToken: S.promBearer } })).secretFields).toEqual(['bearerToken']);

    // only project admins change integrations
    await fails(
      call(alice, `/api/v1/integrations/${created.id}`, { method: 'PATCH', body: { name: 'x' }, projectId: X }),
      403
    );
    await fails(call(victor, `/api/v1/integrations/${created.id}`, { method: 'DELETE', projectId: X }), 403);
    await fails(create(alice, { type: 'openai', name: 'mine', secrets: { apiKey: S.rejected } }, X), 403);
    await fails(create(victor, { type: 'openai', name: 'mine' }, X), 403);
    await fails(create(xAdmin, { type: 'openai', name: 'mine' }), 400, /x-project-id: header required/);

    const del = await call(xAdmin, `/api/v1/integrations/${created.id}`, { method: 'DELETE', projectId: X });
    expect(del.statusCode).toBe(204);
    expect(del.payload).toBe('');
    await fails(call(xAdmin, `/api/v1/integrations/${created.id}`, { projectId: X }), 404, /^integration not found$/);
    await fails(call(xAdmin, `/api/v1/integrations/${created.id}`, { method: 'DELETE', projectId: X }), 404);
    expect(
      (await ok<IntegrationList>(call(victor, '/api/v1/integrations', { projectId: X }))).items.map((i) => i.name)
    ).toEqual(['am', 'llm']);
    expect(await row(created.id)).toBeUndefined();

    // the audit trail names the secrets that changed, never their values
    const audit = await ok<AuditLogPage>(
      call(xAdmin, `/api/v1/audit?resourceType=integration&resourceId=${created.id}`, { projectId: X })
    );
    expect(audit.items.map((e) => e.action)).toEqual([
      'integration.deleted',
      ...Array(5).fill('integration.updated'),
      'integration.created',
    ]);
    expect(audit.items.at(-1)!.details).toMatchObject({ secretFields: ['bearerToken', 'password'] });
    expect(audit.items.at(-2)!.details).toEqual({ changed: ['name', 'config'], secretsChanged: [] });
    expect(audit.items.at(-3)!.details).toMatchObject({ secretsChanged: ['password'] });
    expect(audit.items.every((e) => e.actor.id === 'user:5')).toBe(true);
  });

  it('org-level integrations (the Grafana service account) are for org Admins only', async () => {
    const body = {
      type: 'grafana',
      scope: 'org',
      name: 'grafana',
      config: { url: t.grafana.url },
      secrets: { token: S.grafanaToken },
    };
    // a project admin is not an org Admin
    await fails(create(xAdmin, { ...body, secrets: { token: S.rejected } }, X), 403, /org Admin/);
    await fails(call(xAdmin, '/api/v1/integrations?scope=org'), 403);
    await fails(call(victor, '/api/v1/integrations?scope=org'), 403);

    const grafana = await ok<Integration>(create(admin1, body), 201);
    expect(grafana).toMatchObject({
      scope: 'org',
      type: 'grafana',
      name: 'grafana',
      config: { url: t.grafana.url },
      secretFields: ['token'],
    });
    expect(await t.sidecar.integrations.grafanaCredentials(1)).toEqual({ url: t.grafana.url, token: S.grafanaToken });
    expect(await t.sidecar.integrations.grafanaCredentials(2)).toBeNull();

    // one per org; org 2 has its own
    await fails(
      create(admin1, { ...body, name: 'grafana-2', secrets: { token: S.rejected } }),
      409,
      /already has a Grafana integration/
    );
    const grafana2 = await ok<Integration>(
      create(admin2, { type: 'grafana', scope: 'org', name: 'grafana', secrets: { token: S.org2Token } }),
      201
    );
    expect(grafana2.id).not.toBe(grafana.id);
    expect(await t.sidecar.integrations.grafanaCredentials(2)).toEqual({ url: null, token: S.org2Token });
    expect(await t.sidecar.integrations.grafanaCredentials(1)).toEqual({ url: t.grafana.url, token: S.grafanaToken });

    // scope=org lists the org-level ones only; a project's list shows them too, names of secrets only
    expect((await ok<IntegrationList>(call(admin1, '/api/v1/integrations?scope=org'))).items).toEqual([grafana]);
    expect((await ok<IntegrationList>(call(admin2, '/api/v1/integrations?scope=org'))).items).toEqual([grafana2]);
    const inX = (await ok<IntegrationList>(call(victor, '/api/v1/integrations', { projectId: X }))).items;
    expect(inX[0]).toEqual(grafana);
    expect(await ok<Integration>(call(admin1, `/api/v1/integrations/${grafana.id}?scope=org`))).toEqual(grafana);
    await fails(call(victor, `/api/v1/integrations/${grafana.id}?scope=org`), 403);
    await fails(call(admin2, `/api/v1/integrations/${grafana.id}?scope=org`), 404);
    await fails(call(xAdmin, `/api/v1/integrations/${grafana.id}`, { projectId: X }), 404);

    // updates and deletes need scope=org and the org Admin role
    const rotated = await ok<Integration>(
      call(admin1, `/api/v1/integrations/${grafana.id}?scope=org`, {
        method: 'PATCH',
        body: { secrets: { token: S.grafanaToken2 } },
      })
    );
    expect(rotated).toMatchObject({ secretFields: ['token'], config: { url: t.grafana.url } });
    expect(await t.sidecar.integrations.grafanaCredentials(1)).toEqual({ url: t.grafana.url, token: S.grafanaToken2 });
    // the new token is in use at once: Grafana no longer accepts the old one, alice's team role still resolves
    t.grafana.serviceAccounts.delete(S.grafanaToken);
    const calls = t.grafana.apiCalls.length;
    expect((await ok<{ role: string }>(call(alice, `/api/v1/projects/${X}`))).role).toBe('engineer');
    expect(t.grafana.apiCalls.length).toBeGreaterThan(calls);
    t.grafana.serviceAccounts.set(S.grafanaToken, 1);
    await fails(
      call(xAdmin, `/api/v1/integrations/${grafana.id}?scope=org`, { method: 'PATCH', body: { name: 'mine' } }),
      403
    );
    await fails(
      call(xAdmin, `/api/v1/integrations/${grafana.id}`, { method: 'PATCH', body: { name: 'mine' }, projectId: X }),
      404
    );
    await fails(call(xAdmin, `/api/v1/integrations/${grafana.id}?scope=org`, { method: 'DELETE' }), 403);
    expect((await call(admin1, `/api/v1/integrations/${grafana.id}?scope=org`, { method: 'DELETE' })).statusCode).toBe(
      204
    );
    expect(await t.sidecar.integrations.grafanaCredentials(1)).toBeNull();
    expect(await t.sidecar.integrations.grafanaCredentials(2)).toEqual({ url: null, token: S.org2Token });

    // org-level changes are audited in the org's chain, not in a project's
    const orgAudit = await ok<AuditLogPage>(call(admin1, `/api/v1/audit?scope=org&resourceId=${grafana.id}`));
    expect(orgAudit.items.map((e) => e.action)).toEqual([
      'integration.deleted',
      'integration.updated',
      'integration.created',
    ]);
    expect(orgAudit.items[1]!.details).toMatchObject({ secretsChanged: ['token'] });
    const projectAudit = await ok<AuditLogPage>(
      call(admin1, `/api/v1/audit?resourceId=${grafana.id}`, { projectId: X })
    );
    expect(projectAudit.items).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'an unknown secret name',
      { type: 'prometheus', config: { datasourceUid: 'prom' }, name: 'v', secrets: { token: S.rejected } },
      /^secrets: prometheus integrations accept password, bearerToken; not token$/,
    ],
    [
      'a secret of another type',
      { type: 'grafana', name: 'v', secrets: { apiKey: S.rejected, token: S.rejected } },
      /^secrets: grafana integrations accept token; not apiKey$/,
    ],
    [
      'a bad mode',
      { type: 'prometheus', name: 'v', config: { mode: 'sideways' }, secrets: { password: S.rejected } },
      /^config\.mode: /,
    ],
    [
      'a non-http URL',
      { type: 'alertmanager', name: 'v', config: { url: 'ftp://am.example' } },
      /^config\.url: must be an http\(s\) URL$/,
    ],
    [
      'a secret put into the config',
      { type: 'openai', name: 'v', config: { apiKey: S.rejected } },
      /^config\.\(root\): .*apiKey/,
    ],
    ['an unknown type', { type: 'mysql', name: 'v' }, /^type: /],
    [
      'an empty secret',
      { type: 'prometheus', config: { datasourceUid: 'prom' }, name: 'v', secrets: { password: '' } },
      /^secrets\.password: /,
    ],
    [
      'a secret that is not a string',
      { type: 'prometheus', config: { datasourceUid: 'prom' }, name: 'v', secrets: { password: 42 } },
      /^secrets\.password: /,
    ],
    [
      'a missing name',
      { type: 'prometheus', config: { datasourceUid: 'prom' }, secrets: { password: S.rejected } },
      /^name: /,
    ],
    ['a blank name', { type: 'prometheus', config: { datasourceUid: 'prom' }, name: '   ' }, /^name: /],
    [
      'an unknown field',
      { type: 'prometheus', config: { datasourceUid: 'prom' }, name: 'v', password: S.rejected },
      /password/,
    ],
    ['a config that is not an object', { type: 'grafana', name: 'v', config: 'https://grafana.example' }, /^config: /],
    ['an unknown scope', { type: 'grafana', name: 'v', scope: 'global', secrets: { token: S.rejected } }, /^scope: /],
  ])('rejects a create with %s: 400 with a clear message', async (_what, body, message) => {
    const before = await countIntegrations();
    const error = await fails(create(xAdmin, body, X), 400, message);
    expect(error.code).toBe('bad_request');
    expect(await countIntegrations()).toBe(before);
  });

  it('rejects bad updates with 400 and leaves the integration as it was', async () => {
    const created = await ok<Integration>(
      create(
        xAdmin,
        { type: 'prometheus', config: { datasourceUid: 'prom' }, name: 'upd', secrets: { password: S.misc } },
        X
      ),
      201
    );
    const before = await row(created.id);
    const patch = (body: unknown) =>
      call(xAdmin, `/api/v1/integrations/${created.id}`, { method: 'PATCH', body, projectId: X });
    await fails(
      patch({ secrets: { token: S.rejected } }),
      400,
      /^secrets: prometheus integrations accept password, bearerToken; not token$/
    );
    await fails(patch({ secrets: { password: S.rejected, apiKey: S.rejected } }), 400, /not apiKey/);
    await fails(patch({ config: { mode: 'sideways' } }), 400, /^config\.mode: /);
    await fails(patch({ config: { url: 'javascript:alert(1)' } }), 400, /^config\.url: /);
    await fails(patch({}), 400, /give at least one of name, config, secrets/);
    await fails(patch({ name: ' ' }), 400, /^name: /);
    await fails(patch({ secrets: { password: '' } }), 400, /^secrets\.password: /);
    await fails(patch({ type: 'grafana' }), 400, /type/);
    await fails(patch({ scope: 'org' }), 400, /scope/);
    expect(await row(created.id)).toEqual(before);
    expect(openRow(before!)).toEqual({ password: S.misc });
    const audit = await ok<AuditLogPage>(call(xAdmin, `/api/v1/audit?resourceId=${created.id}`, { projectId: X }));
    expect(audit.items.map((e) => e.action)).toEqual(['integration.created']);
  });

  it('does not echo a secret from a malformed JSON body', async () => {
    const before = await countIntegrations();
    const res = await call(xAdmin, '/api/v1/integrations', {
      method: 'POST',
      projectId: X,
      body: `{"type":"grafana","name":"g","secrets":{"token":"${S.rejected}"},}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('bad_request');
    expect(await countIntegrations()).toBe(before);
  });

  it('refuses duplicate names in the same scope with 409', async () => {
    const first = await ok<Integration>(
      create(
        xAdmin,
        { type: 'prometheus', config: { datasourceUid: 'prom' }, name: 'dup', secrets: { password: S.misc } },
        X
      ),
      201
    );
    await fails(
      create(
        xAdmin,
        { type: 'prometheus', config: { datasourceUid: 'prom' }, name: 'dup', secrets: { password: S.rejected } },
        X
      ),
      409,
      /^an integration named "dup" already exists here$/
    );
    await fails(create(xAdmin, { type: 'openai', name: '  dup ' }, X), 409, /"dup" already exists/); // names are trimmed
    // the same name is fine in another project, at org level, and in another org
    await ok(create(admin1, { type: 'prometheus', config: { datasourceUid: 'prom' }, name: 'dup' }, Y), 201);
    await ok(create(admin1, { type: 'prometheus', config: { datasourceUid: 'prom' }, name: 'dup', scope: 'org' }), 201);
    await ok(create(admin2, { type: 'prometheus', config: { datasourceUid: 'prom' }, name: 'dup', scope: 'org' }), 201);
    await fails(create(admin1, { type: 'alertmanager', name: 'dup', scope: 'org' }), 409);

    // renaming onto a taken name, too; nothing changes
    const other = await ok<Integration>(
      create(xAdmin, { type: 'alertmanager', name: 'other', secrets: { password: S.misc } }, X),
      201
    );
    const before = await row(other.id);
    await fails(
      call(xAdmin, `/api/v1/integrations/${other.id}`, {
        method: 'PATCH',
        body: { name: 'dup', secrets: { password: S.rejected } },
        projectId: X,
      }),
      409,
      /^an integration named "dup" already exists here$/
    );
    expect(await row(other.id)).toEqual(before);
    expect(await ok<Integration>(call(xAdmin, `/api/v1/integrations/${first.id}`, { projectId: X }))).toEqual(first);
    // a rename onto its own name is no conflict
    expect(
      (
        await ok<Integration>(
          call(xAdmin, `/api/v1/integrations/${first.id}`, { method: 'PATCH', body: { name: 'dup' }, projectId: X })
        )
      ).name
    ).toBe('dup');
  });

  it('stores secrets only as AES-GCM ciphertext bound to the row', async () => {
    const a = await ok<Integration>(
      create(
        xAdmin,
        { type: 'prometheus', config: { datasourceUid: 'prom' }, name: 'enc-a', secrets: { password: S.shared } },
        X
      ),
      201
    );
    const b = await ok<Integration>(
      create(
        xAdmin,
        { type: 'prometheus', config: { datasourceUid: 'prom' }, name: 'enc-b', secrets: { password: S.shared } },
        X
      ),
      201
    );
    const ra = (await row(a.id))!;
    const rb = (await row(b.id))!;
    for (const r of [ra, rb]) {
      expect(r.secret_key_id).toBe('k1');
      expect(r.secret_ciphertext).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    }
    expect(ra.secret_ciphertext).not.toBe(rb.secret_ciphertext); // a fresh IV every time

    // no table holds a secret value in plain text
    const dump = await t.inspect.withOwner(async (tx) => {
      const out: string[] = [];
      for (const table of ['organizations', 'projects', 'project_members', 'integrations', 'audit_logs']) {
        out.push(
          ...(await tx.query<{ r: string }>(`SELECT row_to_json(x)::text AS r FROM ${table} x`)).rows.map((r) => r.r)
        );
      }
      return out;
    });
    expect(dump.length).toBeGreaterThan(20);
    const encoded = SECRET_VALUES.flatMap((s) => [
      s,
      Buffer.from(s).toString('base64'),
      Buffer.from(s).toString('base64url'),
    ]);
    expect(dump.filter((line) => encoded.some((s) => line.includes(s)))).toEqual([]);

    // a ciphertext copied into another row does not open there
    const setSealed = (id: string, from: IntegrationRow) =>
      t.inspect.withOwner((tx) =>
        tx.query('UPDATE integrations SET secret_ciphertext = $2, secret_key_id = $3 WHERE id = $1', [
          id,
          from.secret_ciphertext,
          from.secret_key_id,
        ])
      );
    await setSealed(b.id, ra);
    const broken = await call(xAdmin, `/api/v1/integrations/${b.id}`, {
      method: 'PATCH',
      body: { name: 'enc-b2' },
      projectId: X,
    });
    expect(broken.statusCode).toBe(500);
    expect(broken.json().error).toMatchObject({
      code: 'internal',
      message: expect.stringMatching(/cannot be decrypted/),
    });
    expect((await row(b.id))!.name).toBe('enc-b');
    await setSealed(b.id, rb);
    expect(
      (
        await ok<Integration>(
          call(xAdmin, `/api/v1/integrations/${b.id}`, { method: 'PATCH', body: { name: 'enc-b2' }, projectId: X })
        )
      ).name
    ).toBe('enc-b2');
    expect(openRow((await row(b.id))!)).toEqual({ password: S.shared });

    // the same across orgs: org 1's Grafana token copied into org 2's Grafana integration
    const g1 = await ok<Integration>(
      create(admin1, {
        type: 'grafana',
        scope: 'org',
        name: 'grafana',
        config: { url: t.grafana.url },
        secrets: { token: S.grafanaToken },
      }),
      201
    );
    const g2 = (await ok<IntegrationList>(call(admin2, '/api/v1/integrations?scope=org'))).items.find(
      (i) => i.type === 'grafana'
    )!;
    const r1 = (await row(g1.id))!;
    const r2 = (await row(g2.id))!;
    await setSealed(g2.id, r1);
    await expect(t.sidecar.integrations.grafanaCredentials(2)).rejects.toThrow(/cannot be decrypted/);
    await setSealed(g2.id, r2);
    expect(await t.sidecar.integrations.grafanaCredentials(2)).toEqual({ url: null, token: S.org2Token });
    expect(await t.sidecar.integrations.grafanaCredentials(1)).toEqual({ url: t.grafana.url, token: S.grafanaToken });
  });

  it('never logs a secret value at trace level, also when a call with the Grafana token fails', async () => {
    const grafana = (await ok<IntegrationList>(call(admin1, '/api/v1/integrations?scope=org'))).items.find(
      (i) => i.type === 'grafana'
    )!;
    const setUrl = (url: string) =>
      ok<Integration>(
        call(admin1, `/api/v1/integrations/${grafana.id}?scope=org`, { method: 'PATCH', body: { config: { url } } })
      );
    await setUrl(`http://${unreachableGrafana}`);
    // alice's role needs the team-admin answer from Grafana, which cannot be reached: 503, and a logged warning
    await fails(call(alice, `/api/v1/projects/${X}`), 503);
    expect(t.logs.some((line) => line.includes('Grafana API call failed'))).toBe(true);
    await setUrl(t.grafana.url);
    await ok(call(alice, `/api/v1/projects/${X}`));

    const levels = new Set(t.logs.map((line) => (JSON.parse(line) as { level: number }).level));
    expect(levels.has(30) && levels.has(40)).toBe(true); // the requests (info) and the warning are captured
    expect(t.logs.some((line) => line.includes('/api/v1/integrations'))).toBe(true);
    expect(t.logs.filter((line) => NEVER_LOGGED.some((s) => line.includes(s)))).toEqual([]);
  });

  it('re-seals every secret under a new key; the secrets still open, under the new key id', async () => {
    const withSecrets = () =>
      t.inspect.withOwner(
        async (tx) =>
          (
            await tx.query<IntegrationRow & { secret_fields: string[] }>(
              `SELECT id, org_id::int8 AS org_id, project_id, name, secret_ciphertext, secret_key_id, secret_fields
                 FROM integrations WHERE secret_ciphertext IS NOT NULL ORDER BY id`
            )
          ).rows
      );
    const before = await withSecrets();
    expect(before.length).toBeGreaterThanOrEqual(6);
    expect(new Set(before.map((r) => r.secret_key_id))).toEqual(new Set(['k1']));
    const plain = before.map((r) => openRow(r));
    const withoutSecrets = await t.inspect.withOwner(
      async (tx) =>
        (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM integrations WHERE secret_key_id IS NULL'))
          .rows[0]!.n
    );
    expect(withoutSecrets).toBeGreaterThan(0);

    const logs: string[] = [];
    // the same database: closing this sidecar with close() would close it, so only its app is closed
    const rotated = await createSidecar(
      loadConfig({ GRAFANA_URL: t.grafana.url, ENCRYPTION_KEYS: `${K2},${K1}`, LOG_LEVEL: 'debug' }),
      {
        db: t.sidecar.db,
        logStream: lineCollector(logs),
      }
    );
    try {
      expect(await rotated.integrations.grafanaCredentials(1)).toEqual({ url: t.grafana.url, token: S.grafanaToken });
      expect(await rotated.integrations.resealAll()).toBe(before.length);

      const after = await withSecrets();
      expect(after.map((r) => [r.id, r.secret_key_id, r.secret_fields])).toEqual(
        before.map((r) => [r.id, 'k2', r.secret_fields])
      );
      after.forEach((r, i) => expect(r.secret_ciphertext).not.toBe(before[i]!.secret_ciphertext));
      expect(after.map((r) => openRow(r, K2))).toEqual(plain);
      expect(await rotated.integrations.grafanaCredentials(1)).toEqual({ url: t.grafana.url, token: S.grafanaToken });
      expect(await rotated.integrations.grafanaCredentials(2)).toEqual({ url: null, token: S.org2Token });
      expect(await rotated.integrations.resealAll()).toBe(0);
      expect(
        await t.inspect.withOwner(
          async (tx) =>
            (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM integrations WHERE secret_key_id IS NULL'))
              .rows[0]!.n
        )
      ).toBe(withoutSecrets);

      // a sidecar that only knows k1 can no longer open them; one that only knows k2 can
      await expect(t.sidecar.integrations.grafanaCredentials(1)).rejects.toThrow(/cannot be decrypted/);
      const k2Only = await createSidecar(
        loadConfig({ GRAFANA_URL: t.grafana.url, ENCRYPTION_KEYS: K2, LOG_LEVEL: 'trace' }),
        {
          db: t.sidecar.db,
          logStream: lineCollector(logs),
        }
      );
      try {
        expect(await k2Only.integrations.grafanaCredentials(1)).toEqual({ url: t.grafana.url, token: S.grafanaToken });
      } finally {
        await k2Only.app.close();
      }
    } finally {
      await rotated.app.close();
    }
    expect(
      logs.filter((line) => NEVER_LOGGED.some((s) => line.includes(s)) || line.includes(K2.split(':')[1]!))
    ).toEqual([]);
  });

  it('no response and no log line of this file ever held a secret value', () => {
    expect(seen.length).toBeGreaterThan(80);
    expect(t.logs.length).toBeGreaterThan(150);
    for (const secret of SECRET_VALUES) {
      expect(
        seen.filter((text) => text.includes(secret)),
        secret
      ).toEqual([]);
    }
    for (const secret of NEVER_LOGGED) {
      expect(
        t.logs.filter((line) => line.includes(secret)),
        secret
      ).toEqual([]);
    }
  });
});

// docs/operations.md: "The connecting user owns the schema (it runs the migrations)" — it need not be a superuser
// (managed PostgreSQL never gives one). Such an owner is subject to the FORCE'd row-level security.
if (TEST_DIALECTS.includes('postgres')) {
  describe('key rotation on PostgreSQL whose owner is not a superuser', () => {
    it('re-seals the secrets of every org', async () => {
      const adminUrl = process.env.TEST_DATABASE_URL!;
      const suffix = randomUUID().replaceAll('-', '').slice(0, 12);
      const role = `sre_copilot_owner_${suffix}`;
      const name = `sre_copilot_test_owner_${suffix}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      try {
        await admin.query(`CREATE ROLE ${role} LOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS`);
        await admin.query(`CREATE DATABASE ${name} OWNER ${role}`);
        const url = new URL(adminUrl);
        url.username = role;
        url.password = '';
        url.pathname = `/${name}`;
        const db = new PostgresDatabase(url.toString(), 2);
        const logs: string[] = [];
        const env = { ORG_SECRETS: `1=${ORG_SECRETS[1]},2=${ORG_SECRETS[2]}`, LOG_LEVEL: 'debug' };
        // migrations run as that owner; the first sidecar closes the database at the end
        const first = await createSidecar(loadConfig({ ...env, ENCRYPTION_KEYS: K1 }), {
          db,
          logStream: lineCollector(logs),
        });
        try {
          for (const [orgId, token] of [
            [1, S.grafanaToken],
            [2, S.org2Token],
          ] as const) {
            await first.integrations.create({ orgId, projectId: null }, systemActor('test'), {
              type: 'grafana',
              scope: 'org',
              name: 'grafana',
              secrets: { token },
            });
          }
          const rotated = await createSidecar(loadConfig({ ...env, ENCRYPTION_KEYS: `${K2},${K1}` }), {
            db,
            logStream: lineCollector(logs),
          });
          try {
            // The owner is confined by FORCE ROW LEVEL SECURITY too; migration 0002 gives it a maintenance policy.
            expect(await rotated.integrations.resealAll()).toBe(2);
            const keyIds = await db.withTenant({ orgId: 1, projectId: null }, async (tx) =>
              (await tx.query<{ secret_key_id: string }>('SELECT secret_key_id FROM integrations')).rows.map(
                (r) => r.secret_key_id
              )
            );
            expect(keyIds).toEqual(['k2']);
            const k2Only = await createSidecar(loadConfig({ ...env, ENCRYPTION_KEYS: K2 }), {
              db,
              logStream: lineCollector(logs),
            });
            try {
              expect(await k2Only.integrations.grafanaCredentials(1)).toEqual({ url: null, token: S.grafanaToken });
              expect(await k2Only.integrations.grafanaCredentials(2)).toEqual({ url: null, token: S.org2Token });
            } finally {
              await k2Only.app.close();
            }
          } finally {
            await rotated.app.close();
          }
        } finally {
          await first.close();
        }
        expect(logs.filter((line) => NEVER_LOGGED.some((s) => line.includes(s)))).toEqual([]);
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.query(`DROP ROLE IF EXISTS ${role}`);
        await admin.end();
      }
    });
  });
}
