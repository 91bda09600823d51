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
  type: 'open' | 'query' | 'exec' | 'listen' | 'unlisten' | 'dump' | 'close';
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
