import { PGlite } from '@electric-sql/pglite';
import { lockDataDir } from './lock-file.ts';
import { checkChannel, enterApp, enterTenant, type Database, type Queryable, type TenantContext } from './database.ts';

export interface PgliteOptions {
  /** Directory of the database files; undefined = in memory (tests). */
  dataDir?: string;
  /** A dump from `dumpDataDir()` to start from (tests use a migrated template). */
  loadDataDir?: Blob;
}

/** Embedded PostgreSQL (WebAssembly) with one connection; transactions are serialized by PGlite. */
export class PgliteDatabase implements Database {
  readonly dialect = 'pglite' as const;
  readonly pg: PGlite;
  private readonly unlock: () => void;

  private constructor(pg: PGlite, unlock: () => void) {
    this.pg = pg;
    this.unlock = unlock;
  }

  static async open(options: PgliteOptions): Promise<PgliteDatabase> {
    const unlock = options.dataDir ? lockDataDir(options.dataDir) : () => undefined;
    try {
      // PGlite runs with fsync off, and its file system layer would not pass an fsync on to the OS anyway
      // (measured: docs/operations.md). Every commit is written to the OS before it returns, so a crash of
      // this process loses nothing; a power loss or kernel crash can lose recent commits.
      const pg = await PGlite.create({
        dataDir: options.dataDir ? `${options.dataDir}/pgdata` : undefined,
        loadDataDir: options.loadDataDir,
      });
      return new PgliteDatabase(pg, unlock);
    } catch (error) {
      unlock();
      throw new Error(`Could not open the embedded database in ${options.dataDir ?? 'memory'}`, { cause: error });
    }
  }

  withTenant<T>(tenant: TenantContext, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pg.transaction(async (tx) => {
      const q = wrap(tx);
      await enterTenant(q, tenant);
      return fn(q);
    });
  }

  withApp<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pg.transaction(async (tx) => {
      const q = wrap(tx);
      await enterApp(q);
      return fn(q);
    });
  }

  withOwner<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pg.transaction(async (tx) => fn(wrap(tx)));
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    // In-process: NOTIFY from any transaction of this PGlite instance reaches its listeners.
    const unlisten = await this.pg.listen(checkChannel(channel), onNotify);
    return () => unlisten();
  }

  async close(): Promise<void> {
    try {
      if (!this.pg.closed) {
        await this.pg.close();
      }
    } finally {
      this.unlock();
    }
  }
}

function wrap(tx: { query: PGlite['query']; exec: PGlite['exec'] }): Queryable {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      const result = await tx.query<T>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql: string) {
      await tx.exec(sql);
    },
  };
}
