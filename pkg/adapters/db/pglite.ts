import { Worker } from 'node:worker_threads';
import { lockDataDir } from './lock-file.ts';
import {
  checkChannel,
  DatabaseUnavailableError,
  statementName,
  type Database,
  type QueryOptions,
  type Queryable,
  type QueryResult,
  TransactionalDatabase,
} from './database.ts';

export interface PgliteOptions {
  /** Directory of the database files; undefined = in memory (tests). */
  dataDir?: string;
  /** A dump from `dump()` to start from (tests use a migrated template). */
  loadDataDir?: Blob;
  /** PostgreSQL's shared buffers in MiB (PGLITE_SHARED_BUFFERS_MB; default `DEFAULT_PGLITE_SHARED_BUFFERS_MB`). */
  sharedBuffersMb?: number;
}

/**
 * PGlite zeroes all of PostgreSQL's shared memory when it starts (its WebAssembly heap emulates the shared mapping),
 * so every MiB of it is resident from the start, used or not. PostgreSQL's defaults (128 MiB of shared buffers, 100
 * connections' worth of lock and process tables) are sized for a server; one embedded connection needs a fraction.
 * The data files stay in the OS page cache either way, so a buffer miss is a read from memory, not from disk.
 */
export const DEFAULT_PGLITE_SHARED_BUFFERS_MB = 16;

/** The settings the embedded database starts with, besides PGlite's own (docs/operations.md). */
function startSettings(sharedBuffersMb: number): Record<string, string> {
  return {
    shared_buffers: `${sharedBuffersMb}MB`,
    // One connection (the worker's); the lock table is sized from this (times max_locks_per_transaction).
    max_connections: '10',
    wal_buffers: '1MB',
  };
}

/** An error from the database, with PostgreSQL's fields (code, detail, constraint) as `pg` gives them. */
export class PgliteError extends Error {
  code?: string;
  detail?: string;
  constraint?: string;
}

type Pending = { resolve: (value: unknown) => void; reject: (error: unknown) => void };

interface WorkerMessage {
  id?: number;
  type?: 'notify';
  ok?: boolean;
  result?: unknown;
  error?: Record<string, string>;
  /** Of a failed batch: the statement that failed, and the results of those before it. */
  index?: number;
  results?: unknown[];
  notifications?: Array<{ channel: string; payload: string }>;
}

interface Statement {
  sql: string;
  params?: unknown[];
  script?: boolean;
  /** The prepared statement's name (see QueryOptions). */
  prepare?: string;
}

const toError = (error: Record<string, string> | undefined) => Object.assign(new PgliteError(error?.message), error);

/** A request that failed: its database error, and for a batch which statement failed. */
class BatchFailure extends Error {
  index = -1;
  results: unknown[] = [];
  readonly error: PgliteError;
  constructor(error: PgliteError) {
    super(error.message);
    this.error = error;
  }
}

/**
 * The statements of one transaction on their way to the worker. Statements issued in the same turn of the event loop
 * (without awaiting each other) travel in one message and run back to back: a transaction that issues its reads
 * together and its writes together costs two messages, not one per statement. The worker stops at the first failure
 * and does not run what follows it.
 */
class StatementBatcher {
  private queued: Array<{ statement: Statement; resolve: (value: unknown) => void; reject: (error: unknown) => void }> =
    [];
  private readonly send: (statements: Statement[]) => Promise<unknown>;

  constructor(send: (statements: Statement[]) => Promise<unknown>) {
    this.send = send;
  }

  run(statement: Statement): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.queued.length === 0) {
        queueMicrotask(() => this.flush());
      }
      this.queued.push({ statement, resolve, reject });
    });
  }

  private flush(): void {
    const queued = this.queued;
    this.queued = [];
    this.send(queued.map((q) => q.statement)).then(
      (results) => queued.forEach((q, i) => q.resolve((results as unknown[])[i])),
      (failure: unknown) => {
        if (!(failure instanceof BatchFailure)) {
          queued.forEach((q) => q.reject(failure));
          return;
        }
        queued.forEach((q, i) => {
          if (i < failure.index) {
            q.resolve(failure.results[i]);
          } else if (i === failure.index) {
            q.reject(failure.error);
          } else {
            q.reject(
              new PgliteError('not run: an earlier statement of the transaction failed', { cause: failure.error })
            );
          }
        });
      }
    );
  }
}

/**
 * Embedded PostgreSQL (PGlite, WebAssembly) in a worker thread, with one connection: transactions are serialized
 * here, one at a time, and run as BEGIN … COMMIT on the worker. Every message to the worker waits for the main
 * thread twice (to be sent, and for its answer to be read), so a transaction sends its statements in as few
 * messages as it can (see StatementBatcher).
 */
export class PgliteDatabase extends TransactionalDatabase implements Database {
  readonly dialect = 'pglite' as const;
  private readonly worker: Worker;
  private readonly unlock: () => void;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(payload: string) => void>>();
  private nextId = 1;
  private lock: Promise<void> = Promise.resolve();
  private closed = false;
  /** Why the worker is gone, once it is: every call from then on fails with it at once. */
  private gone: DatabaseUnavailableError | null = null;

  private constructor(worker: Worker, unlock: () => void) {
    super();
    this.worker = worker;
    this.unlock = unlock;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type !== 'notify') {
        const pending = this.pending.get(message.id!);
        this.pending.delete(message.id!);
        if (message.ok) {
          pending?.resolve(message.result);
        } else {
          pending?.reject(
            Object.assign(new BatchFailure(toError(message.error)), {
              index: message.index ?? -1,
              results: message.results ?? [],
            })
          );
        }
      }
      for (const note of message.notifications ?? []) {
        for (const listener of this.listeners.get(note.channel) ?? []) {
          listener(note.payload);
        }
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
      await db.call({
        type: 'open',
        dataDir: options.dataDir ? `${options.dataDir}/pgdata` : undefined,
        loadDataDir: options.loadDataDir,
        settings: startSettings(options.sharedBuffersMb ?? DEFAULT_PGLITE_SHARED_BUFFERS_MB),
      });
      return db;
    } catch (error) {
      await worker.terminate();
      unlock();
      throw new Error(`Could not open the embedded database in ${options.dataDir ?? 'memory'}`, { cause: error });
    }
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
      if (set.size === 0 && !this.closed && !this.gone) {
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
      // A worker that is gone has nothing left to close.
      if (!this.gone) {
        await this.call({ type: 'close' });
      }
      this.closed = true;
      await this.worker.terminate();
    } finally {
      this.unlock();
    }
  }

  /**
   * One transaction at a time: the database has one connection. `begin` (BEGIN and the role and tenant, one script:
   * `beginAs`) goes in the same message as the first statements of `fn`, and nothing after a failed begin runs.
   */
  protected override async transaction<T>(fn: (tx: Queryable) => Promise<T>, begin: string): Promise<T> {
    const previous = this.lock;
    let release!: () => void;
    this.lock = new Promise((resolve) => (release = resolve));
    await previous;
    const batcher = new StatementBatcher((statements) => this.call({ type: 'batch', statements }));
    const tx: Queryable = {
      query: async <R>(sql: string, params?: unknown[], options?: QueryOptions) =>
        (await batcher.run({
          sql,
          params,
          ...(options?.prepare ? { prepare: statementName(sql) } : {}),
        })) as QueryResult<R>,
      exec: async (sql: string) => {
        await batcher.run({ sql, script: true });
      },
    };
    try {
      let value: T;
      try {
        // Whichever fails first is the cause; begin fails before anything of fn can.
        [, value] = await Promise.all([batcher.run({ sql: begin, script: true }), fn(tx)]);
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

  /**
   * One request to the worker; a failure is the database's error, except for a batch (see StatementBatcher). Once
   * the database is closed or its worker gone, a request fails at once with a `DatabaseUnavailableError` (a message
   * to a stopped worker would never be answered).
   */
  private call(request: Record<string, unknown>): Promise<unknown> {
    if (this.closed) {
      return Promise.reject(new DatabaseUnavailableError(new Error('the embedded database is closed')));
    }
    if (this.gone) {
      return Promise.reject(this.gone);
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve,
        reject:
          request.type === 'batch'
            ? reject
            : (failure) => reject(failure instanceof BatchFailure ? failure.error : failure),
      });
      this.worker.postMessage({ ...request, id });
    });
  }

  private failAll(error: unknown): void {
    if (this.closed) {
      return;
    }
    this.gone ??= new DatabaseUnavailableError(error);
    for (const pending of this.pending.values()) {
      pending.reject(this.gone);
    }
    this.pending.clear();
  }
}
