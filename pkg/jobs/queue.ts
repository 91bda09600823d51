/**
 * Background jobs on pg-boss, in the sidecar's own database (PGlite or PostgreSQL), through the database port: on
 * PGlite its statements share the one connection with everything else, serialized by the port; on PostgreSQL they
 * use the pool. Several replicas on one PostgreSQL share the queues; a job is fetched by one of them
 * (SKIP LOCKED), and a job sent twice with the same id exists once.
 */
import { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../adapters/db/database.ts';

export const JOB_SCHEMA = 'pgboss';

export async function startJobQueue(db: Database, logger: Logger): Promise<PgBoss> {
  // Replicas that start at once race to create the queue's schema; the loser sees a unique violation on the
  // catalog and starts again with a fresh instance, finding the schema there.
  for (let attempt = 1; ; attempt++) {
    const boss = new PgBoss({
      db: { executeSql: (text: string, values?: unknown[]) => db.statement(text, values) },
      backend: db.dialect === 'pglite' ? 'pglite' : 'postgres',
      schema: JOB_SCHEMA,
      // The sidecar schedules its own ticks (aligned to the poll interval); pg-boss's cron is not needed.
      schedule: false,
    });
    boss.on('error', (error: Error) => logger.error({ err: error }, 'job queue error'));
    try {
      await boss.start();
      return boss;
    } catch (error) {
      await boss.stop({ graceful: false }).catch(() => undefined);
      const code = (error as { code?: string }).code;
      if (attempt >= 5 || (code !== '23505' && code !== '42P06' && code !== '42P07')) {
        throw error;
      }
      logger.info({ attempt }, 'job queue schema created by another replica meanwhile; starting again');
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
