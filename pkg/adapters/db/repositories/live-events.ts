import type { Queryable } from '../database.ts';

/**
 * Sends one NOTIFY on `channel` per payload, all in one statement. Inside a transaction PostgreSQL delivers them at
 * commit, and not at all on rollback.
 */
export async function notifyLiveEvents(tx: Queryable, channel: string, payloads: string[]): Promise<void> {
  await tx.query('SELECT pg_notify($1, e) FROM unnest($2::text[]) AS e', [channel, payloads]);
}
