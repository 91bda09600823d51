import { Worker } from 'node:worker_threads';
import { lockDataDir } from './lock-file.ts';
import { checkChannel, enterApp, enterTenant, type Database, type Queryable, type QueryResult, type TenantContext } from './database.ts';

export interface PgliteOptions {
  /** Directory of the database files; undefined = in memory (tests). */
  dataDir?: string;
  /** A dump from `dump()` to start from (tests use a migrated template). */
  loadDataDir?: Blob;
}

/** An error from the database, with PostgreSQL's fields (code, detail, constraint) as `pg` gives them. */
export class PgliteError extends Error {
  code?: string;
  detail?: string;
  constraint?: string;
}

type Pending = { resolve: (value: unknown) => void; reject: (error: unknown) => void };

/**
 * Embedded PostgreSQL (PGlite, WebAssembly) in a worker thread, with one connection: transactions are serialized
 * here, one at a time, and run as BEGIN … COMMIT on the worker.
 */
export class PgliteDatabase implements Database {
  readonly dialect = 'pglite' as const;
  private readonly worker: Worker;
  private readonly unlock: () => void;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(payload: string) => void>>();
  private nextId = 1;
  private lock: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(worker: Worker, unlock: () => void) {
    this.worker = worker;
    this.unlock = unlock;
    worker.on('message', (message: { id?: number; ok?: boolean; result?: unknown; error?: Record<string, string>; type?: string; channel?: string; payload?: string }) => {
      if (message.type === 'notify') {
        for (const listener of this.listeners.get(message.channel!) ?? []) {
          listener(message.payload ?? '');
        }
        return;
      }
      const pending = this.pending.get(message.id!);
      this.pending.delete(message.id!);
      if (message.ok) {
        pending?.resolve(message.result);
      } else {
        pending?.reject(Object.assign(new PgliteError(message.error?.message), message.error));
      }
    });
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', () => this.failAll(new Error('the embedded database worker stopped')));
  }

  static async open(options: PgliteOptions): Promise<PgliteDatabase> {
    const unlock = options.dataDir ? lockDataDir(options.dataDir) : () => undefined;
    const worker = new Worker(new URL('./pglite-worker.ts', import.meta.url));
    const db = new PgliteDatabase(worker, unlock);
    try {
      // PGlite runs with fsync off, and its file system layer would not pass an fsync on to the OS anyway
      // (measured: docs/operations.md). Every commit is written to the OS before it returns, so a crash of
      // this process loses nothing; a power loss or kernel crash can lose recent commits.
      await db.call({ type: 'open', dataDir: options.dataDir ? `${options.dataDir}/pgdata` : undefined, loadDataDir: options.loadDataDir });
      return db;
    } catch (error) {
      await worker.terminate();
      unlock();
      throw new Error(`Could not open the embedded database in ${options.dataDir ?? 'memory'}`, { cause: error });
    }
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
    // Same lock as transactions: the one connection must not interleave a statement into a transaction.
    const previous = this.lock;
    let release!: () => void;
    this.lock = new Promise((resolve) => (release = resolve));
    await previous;
    try {
      return (await this.call({ type: 'script', sql, params })) as QueryResult<T>;
    } finally {
      release();
    }
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    // In-process: NOTIFY from any transaction of this database reaches its listeners.
    const name = checkChannel(channel);
    const set = this.listeners.get(name) ?? new Set();
    this.listeners.set(name, set);
    set.add(onNotify);
    if (set.size === 1) {
      await this.call({ type: 'listen', channel: name });
    }
    return async () => {
      set.delete(onNotify);
      if (set.size === 0 && !this.closed) {
        this.listeners.delete(name);
        await this.call({ type: 'unlisten', channel: name });
      }
    };
  }

  /** A copy of the whole database (tests clone a migrated template from it). */
  dump(): Promise<Blob> {
    return this.call({ type: 'dump' }) as Promise<Blob>;
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    try {
      await this.lock;
      await this.call({ type: 'close' });
      this.closed = true;
      await this.worker.terminate();
    } finally {
      this.unlock();
    }
  }

  private async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    // One transaction at a time: the database has one connection.
    const previous = this.lock;
    let release!: () => void;
    this.lock = new Promise((resolve) => (release = resolve));
    await previous;
    const tx: Queryable = {
      query: async <R>(sql: string, params?: unknown[]) => (await this.call({ type: 'query', sql, params })) as { rows: R[]; rowCount: number },
      exec: async (sql: string) => {
        await this.call({ type: 'exec', sql });
      },
    };
    try {
      await this.call({ type: 'exec', sql: 'BEGIN' });
      let value: T;
      try {
        value = await fn(tx);
      } catch (error) {
        await this.call({ type: 'exec', sql: 'ROLLBACK' }).catch(() => undefined);
        throw error;
      }
      await this.call({ type: 'exec', sql: 'COMMIT' });
      return value;
    } finally {
      release();
    }
  }

  private call(request: Record<string, unknown>): Promise<unknown> {
    if (this.closed) {
      return Promise.reject(new Error('the embedded database is closed'));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  private failAll(error: unknown): void {
    for (const pending of this.pending.values()) {
      pending.reject(error);
    }
    this.pending.clear();
  }
}
