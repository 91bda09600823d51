/**
 * The worker thread that owns the embedded PGlite database. PGlite runs PostgreSQL as WebAssembly synchronously on
 * its thread; on the main thread every query would stop HTTP handling for as long as it runs. Here the main thread
 * keeps accepting (and, under overload, refusing) requests while the database works.
 * Protocol: see `PgliteRequest` / `PgliteResponse` in pglite.ts.
 */
import { parentPort } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

interface Request {
  id: number;
  type: 'open' | 'query' | 'exec' | 'script' | 'listen' | 'unlisten' | 'dump' | 'close';
  sql?: string;
  params?: unknown[];
  channel?: string;
  dataDir?: string;
  loadDataDir?: Blob;
}

const port = parentPort!;
let pg: PGlite | null = null;
const unlisteners = new Map<string, () => Promise<void>>();

function serializeError(error: unknown) {
  const e = error as { message?: string; code?: string; detail?: string; constraint?: string; severity?: string };
  return { message: e?.message ?? String(error), code: e?.code, detail: e?.detail, constraint: e?.constraint, severity: e?.severity };
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
      pg = await PGlite.create({ dataDir: request.dataDir, loadDataDir: request.loadDataDir });
      return null;
    case 'query': {
      const result = await pg!.query(request.sql!, request.params ?? []);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    }
    case 'exec':
      await pg!.exec(request.sql!);
      return null;
    case 'script':
      return script(request.sql!, request.params);
    case 'listen': {
      const channel = request.channel!;
      if (!unlisteners.has(channel)) {
        unlisteners.set(channel, await pg!.listen(channel, (payload) => port.postMessage({ type: 'notify', channel, payload })));
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

// One request at a time, in arrival order: the main thread's transaction lock relies on it.
let queue = Promise.resolve();
port.on('message', (request: Request) => {
  queue = queue.then(async () => {
    try {
      port.postMessage({ id: request.id, ok: true, result: await handle(request) });
    } catch (error) {
      port.postMessage({ id: request.id, ok: false, error: serializeError(error) });
    }
  });
});
