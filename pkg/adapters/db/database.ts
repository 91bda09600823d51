import { createHash } from 'node:crypto';
import type { TenantScope } from '../../core/tenant-scope.ts';

/** The one database port: PGlite (embedded) and PostgreSQL implement it. */
export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

/** How a statement is sent. */
export interface QueryOptions {
  /**
   * Prepare the statement once per connection and reuse it (named statement; PostgreSQL keeps a generic plan after a
   * few runs), instead of parsing and planning it on every call. For hot statements whose text never varies (the
   * ingest path); a text built from input would pile up prepared statements, so leave it off for those.
   */
  prepare?: boolean;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], options?: QueryOptions): Promise<QueryResult<T>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export type Dialect = 'pglite' | 'postgres';

/**
 * The database cannot be reached, or stopped serving the connection a statement ran on: a refused, reset or
 * dropped connection, a pool that timed out waiting for one, a server shutting down or starting up (57P01–57P03),
 * out of connection slots (53300), any connection exception (class 08), or the embedded database's worker gone or
 * closed. Nothing is wrong with the request: the same request may succeed once the database is back. Both adapters
 * throw this (with the driver's error as `cause`) instead of their own errors for such failures, so that one check
 * tells them from errors that a retry cannot fix.
 */
export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the database is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

/** Socket errors of a connection to the server (Node's codes). */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** SQLSTATEs of a server that does not serve the connection (besides class 08, connection exceptions). */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);

/** The `pg` driver's own errors for a connection that broke or never came, which carry no code. */
const DRIVER_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
  /^Cannot use a pool after calling end on the pool/,
];

function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) {
    return false;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) {
    return true;
  }
  // A host name with several addresses (localhost: ::1 and 127.0.0.1) fails with one error per address.
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.every(isConnectionFailure);
  }
  return DRIVER_MESSAGES.some((message) => message.test(error.message));
}

/** The error an adapter throws for `error`: a `DatabaseUnavailableError` if it is a connection failure, else itself. */
export function classifyDatabaseError(error: unknown): unknown {
  return error instanceof DatabaseUnavailableError || !isConnectionFailure(error)
    ? error
    : new DatabaseUnavailableError(error);
}

export interface TransactionOptions {
  /**
   * Take this transaction-scoped advisory lock (as `enterTenantLocked` does) in the round trip that opens the
   * transaction, before `fn` runs.
   */
  lock?: string;
}

export interface Database {
  readonly dialect: Dialect;
  /**
   * Runs `fn` in one transaction as the unprivileged application role, with the tenant context set for
   * row-level security. Every request-driven query goes through here. The rows seen are the scope's: no project
   * means only org-level rows of project tables.
   */
  withTenant<T>(tenant: TenantScope, fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs `fn` in one transaction as the application role with no tenant context: it sees no tenant rows, and
   * reaches across tenants only through the narrow SECURITY DEFINER functions of the schema (e.g. resolving an
   * ingest token). The caller may then enter tenants with `enterTenantLocked`.
   */
  withApp<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs `fn` in one transaction as the connecting (owner) role: migrations and maintenance only. */
  withOwner<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs one SQL text on its own, outside any transaction this port opens, as the connecting (owner) role: a
   * parameterized statement, or a script of several statements without parameters (the rows of all of them are
   * returned). For libraries that manage their own statements and transactions, such as the job queue.
   */
  statement<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Calls `onNotify` for every NOTIFY on `channel` (from any replica); resolves to an unsubscribe function. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * The ways into a transaction, shared by both adapters: they differ only in the script that begins it (`beginAs`), so
 * an adapter implements one `transaction` that runs `begin`, then `fn`, and commits (or rolls back if either fails).
 */
export abstract class TransactionalDatabase {
  async withTenant<T>(
    tenant: TenantScope,
    fn: (tx: Queryable) => Promise<T>,
    options?: TransactionOptions
  ): Promise<T> {
    return this.transaction(fn, beginAs(tenant, options?.lock));
  }

  withApp<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.transaction(fn, beginAs(null));
  }

  withOwner<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.transaction(fn, 'BEGIN');
  }

  protected abstract transaction<T>(fn: (tx: Queryable) => Promise<T>, begin: string): Promise<T>;
}

/** The role every tenant query runs as: NOSUPERUSER, NOBYPASSRLS, owns nothing. Created by migration 0001. */
export const APP_ROLE = 'sre_copilot_app';

/**
 * BEGIN, the application role (SET LOCAL ROLE through set_config) and the tenant context — empty for `withApp`
 * (null) — and optionally a transaction-scoped advisory lock, as one parameterless script, shared by both adapters,
 * which send it in one round trip; if BEGIN fails nothing after it runs. The org id is checked to be an integer; the
 * project id (a UUID) and the lock key are quoted as literals.
 */
export function beginAs(tenant: TenantScope | null, lockKey?: string): string {
  if (tenant) {
    checkTenant(tenant);
  }
  // As the pg driver's escapeLiteral: E'' with quotes and backslashes doubled, whatever standard_conforming_strings.
  const literal = (value: string) => {
    if (value.includes('\0')) {
      throw new Error('invalid tenant: NUL character');
    }
    return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
  };
  const org = tenant ? String(tenant.orgId) : '';
  const project = tenant?.projectId ?? '';
  if (project && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(project)) {
    throw new Error('invalid tenant project id');
  }
  const lock = lockKey === undefined ? '' : `, pg_advisory_xact_lock(hashtextextended(${literal(lockKey)}, 0))`;
  return `BEGIN; SELECT set_config('role', ${literal(APP_ROLE)}, true), set_config('app.org_id', ${literal(org)}, true), set_config('app.project_id', ${literal(project)}, true)${lock}`;
}

/** Switches the tenant within a transaction already in the application role, and takes a transaction-scoped
 * advisory lock on `lockKey`, in one statement. */
export async function enterTenantLocked(tx: Queryable, tenant: TenantScope, lockKey: string): Promise<void> {
  checkTenant(tenant);
  await tx.query(
    `SELECT set_config('app.org_id', $1, true), set_config('app.project_id', $2, true), pg_advisory_xact_lock(hashtextextended($3, 0))`,
    [String(tenant.orgId), tenant.projectId ?? '', lockKey],
    { prepare: true }
  );
}

function checkTenant(tenant: TenantScope): void {
  if (!Number.isSafeInteger(tenant.orgId) || tenant.orgId < 1) {
    throw new Error(`invalid tenant org id ${String(tenant.orgId)}`);
  }
}

const statementNames = new Map<string, string>();
/** The name of a prepared statement: from its text, so every connection and replica gives it the same one. */
export function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `s_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/** Channel names are identifiers: keep them to a safe alphabet since LISTEN cannot take a parameter. */
export function checkChannel(channel: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) {
    throw new Error(`invalid channel name ${channel}`);
  }
  return channel;
}
