import pg from 'pg';
import { checkChannel, enterApp, enterTenant, type Database, type Queryable, type QueryResult, type TenantContext } from './database.ts';

// int8 (counts, sequences) as JavaScript numbers: every int8 here stays far below 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

/** PostgreSQL through a `pg` pool; what several replicas share. */
export class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  readonly pool: pg.Pool;
  private readonly connectionString: string;

  constructor(connectionString: string, poolSize: number) {
    this.connectionString = connectionString;
    this.pool = new pg.Pool({ connectionString, max: poolSize });
    // An idle client that errors (server restart) must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
  }

  withTenant<T>(tenant: TenantContext, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.transaction(async (tx) => {
      await enterTenant(tx, tenant);
      return fn(tx);
    });
  }

  withApp<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.transaction(async (tx) => {
      await enterApp(tx);
      return fn(tx);
    });
  }

  withOwner<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.transaction(fn);
  }

  async statement<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    const result = (await this.pool.query(sql, params)) as pg.QueryResult | pg.QueryResult[];
    // A script of several statements answers one result per statement.
    const results = Array.isArray(result) ? result : [result];
    return {
      rows: results.flatMap((r) => (r.rows ?? []) as T[]),
      rowCount: results.reduce((n, r) => n + (r.rowCount ?? 0), 0),
    };
  }

  /**
   * LISTEN on a dedicated connection (a pooled one would be handed to others). When the connection breaks it is
   * re-established with backoff; notifications sent while it was down are lost, so listeners must treat a
   * notification as a hint and also poll.
   */
  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    const name = checkChannel(channel);
    let client: pg.Client | null = null;
    let stopped = false;
    let retryMs = 100;
    const connect = async (): Promise<void> => {
      const next = new pg.Client({ connectionString: this.connectionString });
      next.on('notification', (message) => {
        if (message.channel === name) {
          onNotify(message.payload ?? '');
        }
      });
      next.on('error', () => {
        client = null;
        void next.end().catch(() => undefined);
        if (!stopped) {
          setTimeout(() => void connect().catch(() => undefined), retryMs);
          retryMs = Math.min(retryMs * 2, 5_000);
        }
      });
      await next.connect();
      await next.query(`LISTEN ${name}`);
      retryMs = 100;
      client = next;
    };
    await connect();
    return async () => {
      stopped = true;
      await (client as pg.Client | null)?.end().catch(() => undefined);
    };
  }

  private async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: Queryable = {
      async query<R>(sql: string, params?: unknown[]) {
        const result = await client.query(sql, params);
        return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
      },
      async exec(sql: string) {
        await client.query(sql);
      },
    };
    let broken = false;
    try {
      await client.query('BEGIN');
      const value = await fn(tx);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
