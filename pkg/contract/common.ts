/**
 * Primitives several resources of the contract share. Internal to the contract: index.ts does not re-export them,
 * so the API's names stay the resources' own.
 */
import { z } from 'zod';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '../core/text.ts';

export const id = z.uuid({ error: 'must be a UUID' });
export const name = z.string().trim().min(1).max(200);
export const description = z.string().max(2000);

/** Query text PostgreSQL can compare: no NUL character (text refuses it) and no unpaired surrogate (no UTF-8 exists). */
export const storableText = (schema: z.ZodString) => schema.refine(isStorableText, { error: UNSTORABLE_TEXT_MESSAGE });

const FIRST_TIME = '0001-01-01T00:00:00Z';
const LAST_TIME = '9999-12-31T23:59:59.999Z';

/**
 * A time filter (`from`, `to`): RFC 3339 with an offset, naming an instant in the years PostgreSQL takes (1–9999).
 * The database is handed the instant in UTC, as JavaScript read it: PostgreSQL refuses offsets beyond ±15:59, which
 * RFC 3339 allows.
 */
export const timeFilter = z.iso
  .datetime({ offset: true })
  .refine(
    (s) => {
      const ms = Date.parse(s);
      return ms >= Date.parse(FIRST_TIME) && ms <= Date.parse(LAST_TIME);
    },
    { error: `must be between ${FIRST_TIME} and ${LAST_TIME}` }
  )
  .transform((s) => new Date(s).toISOString());
