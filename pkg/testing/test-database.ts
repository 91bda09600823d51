import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Database, Dialect } from '../adapters/db/database.ts';
import { loadMigrations, migrate } from '../adapters/db/migrate.ts';
import { PgliteDatabase } from '../adapters/db/pglite.ts';
import { PostgresDatabase } from '../adapters/db/postgres.ts';

/** The dialects this run tests: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const TEST_DIALECTS: Dialect[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

let pgliteTemplate: Promise<Blob> | undefined;
let postgresTemplate: Promise<string> | undefined;

/**
 * A test database. The handle itself connects as the sidecar's would: on PostgreSQL as `OWNER_ROLE`, which owns the
 * tables and is neither a superuser nor BYPASSRLS, so FORCE row-level security shows it no tenant rows outside a
 * tenant context, as in production. `inspect` is for the test to read and count rows across tenants: on PostgreSQL a
 * second handle as TEST_DATABASE_URL's role, on PGlite (one connection, a superuser) the database itself.
 */
export interface TestDatabase extends Database {
  readonly inspect: Database;
}

/** A new, migrated, empty database of the dialect. Close it when done (PostgreSQL: also dropped, `inspect` closed). */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'pglite') {
    pgliteTemplate ??= (async () => {
      const db = await PgliteDatabase.open({});
      await migrate(db);
      const dump = await db.dump();
      await db.close();
      return dump;
    })();
    const db = await PgliteDatabase.open({ loadDataDir: await pgliteTemplate });
    return Object.assign(db, { inspect: db });
  }
  const adminUrl = requiredUrl();
  await ensureOwnerRole(adminUrl);
  postgresTemplate ??= createPostgresTemplate(adminUrl);
  const template = await postgresTemplate;
  const name = `sre_copilot_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await withAdmin(adminUrl, (client) =>
    client.query(`CREATE DATABASE ${name} TEMPLATE ${template} OWNER ${OWNER_ROLE}`)
  );
  const inspect = new PostgresDatabase(databaseUrl(adminUrl, name), 2);
  const db = Object.assign(new PostgresDatabase(ownerUrl(adminUrl, name), 5), { inspect });
  const close = db.close.bind(db);
  db.close = async () => {
    await Promise.all([close(), inspect.close()]);
    await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
  return db;
}

/**
 * A new, empty (unmigrated) PostgreSQL database owned by `OWNER_ROLE`: `url` connects as that role, neither a
 * superuser nor BYPASSRLS, as docs/operations.md asks of the sidecar's; `adminUrl` connects as TEST_DATABASE_URL's
 * role, to look at rows that row-level security hides from the owner. `drop` drops the database.
 */
export async function createEmptyPostgresDatabase(): Promise<{
  url: string;
  adminUrl: string;
  drop: () => Promise<void>;
}> {
  const adminUrl = requiredUrl();
  await ensureOwnerRole(adminUrl);
  const name = `sre_copilot_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${name} OWNER ${OWNER_ROLE}`));
  return {
    url: ownerUrl(adminUrl, name),
    adminUrl: databaseUrl(adminUrl, name),
    drop: () =>
      withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined
      ),
  };
}

/**
 * The name of the templates, which are owned and migrated by `OWNER_ROLE`; templates that an admin role migrated
 * are named otherwise (`sre_copilot_tpl_`), so they are neither reused nor dropped as stale here.
 */
const TEMPLATE_PREFIX = 'sre_copilot_owner_tpl_';

/**
 * One template per migration set, so concurrent test files share it and a changed migration gets a new one. It is
 * owned and migrated by `OWNER_ROLE`: the tables of every database cloned from it are owned by that role, as a
 * deployment's are by its owner role.
 */
async function createPostgresTemplate(adminUrl: string): Promise<string> {
  const migrations = await loadMigrations();
  const { createHash } = await import('node:crypto');
  const digest = createHash('sha256')
    .update(migrations.map((m) => m.sql).join('\n'))
    .digest('hex')
    .slice(0, 12);
  const name = `${TEMPLATE_PREFIX}${digest}`;
  return withAdmin(adminUrl, async (client) => {
    // Serialize template creation across test workers.
    await client.query('SELECT pg_advisory_lock(74001120)');
    try {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) {
        const building = `${name}_building`;
        await client.query(`DROP DATABASE IF EXISTS ${building}`);
        await client.query(`CREATE DATABASE ${building} OWNER ${OWNER_ROLE}`);
        const db = new PostgresDatabase(ownerUrl(adminUrl, building), 1);
        try {
          await migrate(db, migrations);
        } finally {
          await db.close();
        }
        await client.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
        // templates of earlier migration sets are of no further use
        const stale = await client.query<{ datname: string }>(
          `SELECT datname FROM pg_database WHERE starts_with(datname, $1) AND datname <> $2`,
          [TEMPLATE_PREFIX, name]
        );
        for (const { datname } of stale.rows) {
          await client.query(`DROP DATABASE IF EXISTS ${datname}`);
        }
      }
      return name;
    } finally {
      await client.query('SELECT pg_advisory_unlock(74001120)');
    }
  });
}

/**
 * A role that owns a database and runs the migrations without being a superuser or BYPASSRLS. CREATEROLE is what
 * migration 0001 needs to create the application role. It logs in with the admin URL's password (none with trust
 * auth).
 */
export const OWNER_ROLE = 'sre_copilot_test_owner';

let ownerRole: Promise<void> | undefined;

/** Creates `OWNER_ROLE` once per cluster (roles are cluster-wide; concurrent test workers serialize on a lock). */
function ensureOwnerRole(adminUrl: string): Promise<void> {
  ownerRole ??= withAdmin(adminUrl, async (client) => {
    await client.query('SELECT pg_advisory_lock(74001121)');
    try {
      const password = decodeURIComponent(new URL(adminUrl).password);
      const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [OWNER_ROLE]);
      const verb = exists.rowCount === 0 ? 'CREATE' : 'ALTER';
      await client.query(
        `${verb} ROLE ${OWNER_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS CREATEROLE NOCREATEDB PASSWORD ${password ? client.escapeLiteral(password) : 'NULL'}`
      );
    } finally {
      await client.query('SELECT pg_advisory_unlock(74001121)');
    }
  });
  return ownerRole;
}

function requiredUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error('TEST_DATABASE_URL is not set');
  }
  return url;
}

function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The URL of database `name` as `OWNER_ROLE`, with the admin URL's host, port and password. */
function ownerUrl(adminUrl: string, name: string): string {
  const url = new URL(databaseUrl(adminUrl, name));
  url.username = OWNER_ROLE;
  return url.toString();
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
