/**
 * The worker thread that owns the embedded PGlite database. PGlite runs PostgreSQL as WebAssembly synchronously on
 * its thread; on the main thread every query would stop HTTP handling for as long as it runs. Here the main thread
 * keeps accepting (and, under overload, refusing) requests while the database works.
 * Protocol: a request `{ id, type, … }` is answered by `{ id, ok, result | error, notifications? }`, one request at
 * a time in arrival order. `batch` runs several statements of a transaction in one message (see pglite.ts).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { PGlite, parse, protocol } from '@electric-sql/pglite';

interface Statement {
  sql: string;
  params?: unknown[];
  /** A parameterless script (several statements, simple protocol). */
  script?: boolean;
  /** Run as this prepared statement (prepared on first use; see `runPrepared`). */
  prepare?: string;
}

interface Request {
  id: number;
  type: 'open' | 'query' | 'exec' | 'script' | 'batch' | 'listen' | 'unlisten' | 'dump' | 'close';
  sql?: string;
  params?: unknown[];
  statements?: Statement[];
  channel?: string;
  dataDir?: string;
  loadDataDir?: Blob;
  /** PostgreSQL settings the database starts with (`-c name=value`, see pglite.ts). */
  settings?: Record<string, string>;
}

const port = parentPort!;
let pg: PGlite | null = null;
const unlisteners = new Map<string, () => Promise<void>>();
/** Notifications raised while a request runs; they travel with its answer (one message, not one each). */
let notifications: Array<{ channel: string; payload: string }> = [];

function serializeError(error: unknown) {
  const e = error as { message?: string; code?: string; detail?: string; constraint?: string; severity?: string };
  return {
    message: e?.message ?? String(error),
    code: e?.code,
    detail: e?.detail,
    constraint: e?.constraint,
    severity: e?.severity,
  };
}

/** Parameter types (OIDs) of the statements prepared on the one connection, by name. */
const prepared = new Map<string, number[]>();

function frame(messages: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(messages.reduce((n, m) => n + m.length, 0));
  let at = 0;
  for (const message of messages) {
    out.set(message, at);
    at += message.length;
  }
  return out;
}

/**
 * A prepared statement: parsed and planned once (Parse and Describe, on first use), then each call is one pass
 * through the database with Bind, Describe, Execute and Sync together — where `query` parses and plans every time,
 * in five passes. Values are serialized and rows parsed as `query` does it.
 */
async function runPrepared(name: string, sql: string, params: unknown[]) {
  const { serialize } = protocol;
  let types = prepared.get(name);
  if (!types) {
    const described = await pg!.execProtocol(
      frame([
        serialize.parse({ name, text: sql, types: [] }),
        serialize.describe({ type: 'S', name }),
        serialize.sync(),
      ]),
      {
        syncToFs: false,
      }
    );
    types = parse.parseDescribeStatementResults(described.messages);
    prepared.set(name, types);
  }
  const values = params.map((value, i) => {
    if (value === null || value === undefined) {
      return null;
    }
    const serializer = pg!.serializers[types[i]!];
    return serializer ? serializer(value) : String(value);
  });
  const answer = await pg!.execProtocol(
    frame([
      serialize.bind({ statement: name, values }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
    ]),
    { syncToFs: false }
  );
  const [result] = parse.parseResults(answer.messages, pg!.parsers);
  if (!pg!.isInTransaction()) {
    await pg!.syncToFs();
  }
  return { rows: result?.rows ?? [], rowCount: result?.affectedRows ?? result?.rows.length ?? 0 };
}

async function run(statement: Statement) {
  if (statement.prepare) {
    return runPrepared(statement.prepare, statement.sql, statement.params ?? []);
  }
  if (statement.script) {
    await pg!.exec(statement.sql);
    return { rows: [], rowCount: 0 };
  }
  const result = await pg!.query(statement.sql, statement.params ?? []);
  return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
}

/** A failed statement of a batch: which one, so the main thread can tell its callers apart. */
class BatchError extends Error {
  readonly index: number;
  readonly results: unknown[];
  constructor(cause: unknown, index: number, results: unknown[]) {
    super('batch failed', { cause });
    this.index = index;
    this.results = results;
  }
}

/**
 * Statements in order; the first failure stops the batch (the rest are not run: in a transaction they could only
 * fail, and a statement after a failed BEGIN or role switch must never run).
 */
async function batch(statements: Statement[]) {
  const results: unknown[] = [];
  for (const [index, statement] of statements.entries()) {
    try {
      results.push(await run(statement));
    } catch (error) {
      throw new BatchError(error, index, results);
    }
  }
  return results;
}

/**
 * One statement, or a parameterless script, outside the main thread's transactions. A script that fails inside its
 * own BEGIN leaves the one connection in an aborted transaction; roll it back so the next request starts clean.
 */
async function script(sql: string, params: unknown[] | undefined) {
  try {
    if (params?.length) {
      const result = await pg!.query(sql, params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    }
    const results = await pg!.exec(sql);
    const rows = results.flatMap((r) => r.rows);
    return { rows, rowCount: results.reduce((n, r) => n + (r.affectedRows ?? r.rows.length), 0) };
  } catch (error) {
    if (pg!.isInTransaction()) {
      await pg!.exec('ROLLBACK').catch(() => undefined);
    }
    throw error;
  }
}

async function handle(request: Request): Promise<unknown> {
  switch (request.type) {
    case 'open':
      pg = await PGlite.create({
        dataDir: request.dataDir,
        loadDataDir: request.loadDataDir,
        startParams: [
          ...PGlite.defaultStartParams,
          ...Object.entries(request.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
        ],
      });
      // New WAL segments are created without writing 16 MiB of zeros into them first, work that would fall on the
      // commit that needs the segment; with fsync off the zeros protect nothing.
      await pg.exec('SET wal_init_zero = off');
      // A new data directory was created by initdb in a second WebAssembly instance, now garbage; its heap (some
      // 250 MB) would stay resident until V8 decides on a full collection, which an idle process may never reach.
      setFlagsFromString('--expose-gc');
      (runInNewContext('gc') as () => void)();
      return null;
    case 'query':
      return run({ sql: request.sql!, params: request.params });
    case 'exec':
      await pg!.exec(request.sql!);
      return null;
    case 'batch':
      return batch(request.statements!);
    case 'script':
      return script(request.sql!, request.params);
    case 'listen': {
      const channel = request.channel!;
      if (!unlisteners.has(channel)) {
        unlisteners.set(
          channel,
          await pg!.listen(channel, (payload) => {
            notifications.push({ channel, payload });
            if (!running) {
              setImmediate(flushNotifications);
            }
          })
        );
      }
      return null;
    }
    case 'unlisten':
      await unlisteners.get(request.channel!)?.();
      unlisteners.delete(request.channel!);
      return null;
    case 'dump':
      return pg!.dumpDataDir('none');
    case 'close':
      if (pg && !pg.closed) {
        await pg.close();
      }
      return null;
  }
}

/** Notifications that came after their request was answered go on their own. */
function flushNotifications() {
  const taken = takeNotifications();
  if (taken) {
    port.postMessage({ type: 'notify', notifications: taken });
  }
}

function takeNotifications() {
  if (notifications.length === 0) {
    return undefined;
  }
  const taken = notifications;
  notifications = [];
  return taken;
}

// One request at a time, in arrival order: the main thread's transaction lock relies on it.
let queue = Promise.resolve();
let running = false;
port.on('message', (request: Request) => {
  queue = queue.then(async () => {
    running = true;
    try {
      const result = await handle(request);
      port.postMessage({ id: request.id, ok: true, result, notifications: takeNotifications() });
    } catch (error) {
      const failed = error instanceof BatchError ? { index: error.index, results: error.results } : {};
      const cause = error instanceof BatchError ? error.cause : error;
      port.postMessage({
        id: request.id,
        ok: false,
        error: serializeError(cause),
        ...failed,
        notifications: takeNotifications(),
      });
    } finally {
      running = false;
    }
  });
});
