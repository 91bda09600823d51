import pg from 'pg';
import {
  checkChannel,
  classifyDatabaseError,
  statementName,
  type Database,
  type Queryable,
  type QueryOptions,
  type QueryResult,
  TransactionalDatabase,
} from './database.ts';

// int8 (counts, sequences) as JavaScript numbers: every int8 here stays far below 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

/**
 * PostgreSQL through a `pg` pool; what several replicas share. A connection that cannot be made or breaks fails its
 * call with a `DatabaseUnavailableError`; the pool replaces the broken connection, so calls succeed again by
 * themselves once the server is back.
 */
export class PostgresDatabase extends TransactionalDatabase implements Database {
  readonly dialect = 'postgres' as const;
  readonly pool: pg.Pool;
  private readonly connectionString: string;

  constructor(connectionString: string, poolSize: number) {
    super();
    this.connectionString = connectionString;
    this.pool = new pg.Pool({ connectionString, max: poolSize });
    // An idle client that errors (server restart) must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
  }

  async statement<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    const result = (await this.pool.query(sql, params).catch((error: unknown) => {
      throw classifyDatabaseError(error);
    })) as pg.QueryResult | pg.QueryResult[];
    // A script of several statements answers one result per statement.
    const results = Array.isArray(result) ? result : [result];
    return {
      rows: results.flatMap((r) => (r.rows ?? []) as T[]),
      rowCount: results.reduce((n, r) => n + (r.rowCount ?? 0), 0),
    };
  }

  /**
   * LISTEN on a dedicated connection (a pooled one would be handed to others). When the connection breaks it is
   * re-established with backoff, attempt after attempt until the server answers again; notifications sent while it
   * was down are lost, so listeners must treat a notification as a hint and also poll.
   */
  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    const name = checkChannel(channel);
    let client: pg.Client | null = null;
    let stopped = false;
    let retryMs = 100;
    const connect = async (first: boolean): Promise<void> => {
      const next = new pg.Client({ connectionString: this.connectionString });
      // A broken connection can both fail a call and emit an error: one retry per connection.
      let failed = false;
      const fail = () => {
        if (failed) {
          return;
        }
        failed = true;
        if (client === next) {
          client = null;
        }
        void next.end().catch(() => undefined);
        if (!stopped) {
          setTimeout(() => void (stopped ? undefined : connect(false).catch(() => undefined)), retryMs);
          retryMs = Math.min(retryMs * 2, 5_000);
        }
      };
      next.on('notification', (message) => {
        if (message.channel === name) {
          onNotify(message.payload ?? '');
        }
      });
      next.on('error', fail);
      try {
        await next.connect();
        await next.query(`LISTEN ${name}`);
      } catch (error) {
        // The first attempt fails the caller; a reconnect that fails (the server still down) tries again.
        if (first) {
          failed = true;
          void next.end().catch(() => undefined);
        } else {
          fail();
        }
        throw classifyDatabaseError(error);
      }
      retryMs = 100;
      client = next;
    };
    await connect(true);
    return async () => {
      stopped = true;
      await (client as pg.Client | null)?.end().catch(() => undefined);
    };
  }

  /**
   * `begin` opens the transaction and enters its role and tenant in one round trip (`beginAs`). Statements that `fn` issues without awaiting each other are
   * sent back to back by the client, without a turn of the event loop between them.
   */
  protected override async transaction<T>(fn: (tx: Queryable) => Promise<T>, begin: string): Promise<T> {
    const client = await this.pool.connect().catch((error: unknown) => {
      throw classifyDatabaseError(error);
    });
    let broken = false;
    // The pool listens for errors of idle clients only: a checked-out client whose connection breaks (the server
    // stopped) emits an error that, unheard, would end the process. Its calls fail on their own; it is not reused.
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    // The client runs one query at a time; statements issued together are chained here (the driver's own queue is
    // deprecated), each sent as soon as the one before has answered, within the same turn of the event loop.
    let tail: Promise<unknown> = Promise.resolve();
    const run = <R>(sql: string, params?: unknown[], options?: QueryOptions) => {
      const result = tail.then(() =>
        options?.prepare
          ? client.query({ name: statementName(sql), text: sql, values: params })
          : client.query(sql, params)
      );
      tail = result.catch(() => undefined);
      return result as Promise<pg.QueryResult<R & pg.QueryResultRow>>;
    };
    const tx: Queryable = {
      async query<R>(sql: string, params?: unknown[], options?: QueryOptions) {
        const result = await run<R>(sql, params, options);
        return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
      },
      async exec(sql: string) {
        await run(sql);
      },
    };
    try {
      await client.query(begin);
      const value = await fn(tx);
      await tail;
      await client.query('COMMIT');
      return value;
    } catch (error) {
      try {
        await tail;
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw classifyDatabaseError(error);
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  /**
   * The role the pool connects as, and whether it is a superuser or has BYPASSRLS: such a role is not bound by
   * row-level security and can leave the application role at will, so the sidecar refuses it (main.ts).
   */
  async connectionRole(): Promise<{ name: string; superuser: boolean; bypassRls: boolean }> {
    const { rows } = await this.pool.query<{ name: string; superuser: boolean; bypass_rls: boolean }>(
      'SELECT rolname AS name, rolsuper AS superuser, rolbypassrls AS bypass_rls FROM pg_roles WHERE rolname = current_user'
    );
    const row = rows[0]!;
    return { name: row.name, superuser: row.superuser, bypassRls: row.bypass_rls };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
