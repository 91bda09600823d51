import type { Queryable } from '../database.ts';

/** The cheapest round trip: resolves when the database answers, rejects when it does not. */
export async function pingDatabase(tx: Queryable): Promise<void> {
  await tx.query('SELECT 1');
}
