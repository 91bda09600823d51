/**
 * Primitives several resources of the contract share. Internal to the contract: index.ts does not re-export them,
 * so the API's names stay the resources' own.
 */
import { z } from 'zod';

export const id = z.uuid({ error: 'must be a UUID' });
export const name = z.string().trim().min(1).max(200);
export const description = z.string().max(2000);
