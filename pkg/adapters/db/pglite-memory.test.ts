import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PGLITE_SHARED_BUFFERS_MB, PgliteDatabase } from './pglite.ts';

/** The settings that size PGlite's shared memory, all of which is resident from the start (pglite.ts). */
async function memorySettings(db: PgliteDatabase) {
  const { rows } = await db.statement<{ name: string; setting: string }>(
    `SELECT name, current_setting(name) AS setting FROM pg_settings
      WHERE name IN ('shared_buffers', 'max_connections', 'wal_buffers') ORDER BY name`
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
}

describe('the embedded database’s shared memory', () => {
  it('starts a new data directory, and one reopened, with small shared buffers and few connections', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sre-copilot-pglite-memory-'));
    try {
      for (const _ of ['created', 'reopened']) {
        const db = await PgliteDatabase.open({ dataDir: dir });
        try {
          expect(await memorySettings(db)).toEqual({
            max_connections: '10',
            shared_buffers: `${DEFAULT_PGLITE_SHARED_BUFFERS_MB}MB`,
            wal_buffers: '1MB',
          });
        } finally {
          await db.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes the shared buffers from the setting (PGLITE_SHARED_BUFFERS_MB)', async () => {
    const db = await PgliteDatabase.open({ sharedBuffersMb: 8 });
    try {
      expect((await memorySettings(db)).shared_buffers).toBe('8MB');
    } finally {
      await db.close();
    }
  });
});
