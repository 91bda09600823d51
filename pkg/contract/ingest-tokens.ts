/** Ingest tokens (created and revoked by project admins; the token is shown once). */
import { z } from 'zod';
import { id } from './common.ts';
import type { IngestRoute } from './ingest.ts';

export const createIngestTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  /** Grafana contact points: verify X-Grafana-Alerting-Signature with this secret. */
  hmacSecret: z.string().min(16).max(1024).optional(),
  hmacHeader: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,100}$/)
    .optional(),
  /** When Grafana's hmacConfig names a timestamp header, the same name here: the timestamp is then signed. */
  timestampHeader: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,100}$/)
    .optional(),
  toleranceSeconds: z.number().int().min(1).max(86_400).optional(),
});
export type CreateIngestTokenBody = z.input<typeof createIngestTokenBody>;
export interface IngestToken {
  id: string;
  name: string;
  /** The first characters, to recognise a token. */
  prefix: string;
  hmac: null | { header: string; timestampHeader: string | null; toleranceSeconds: number };
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
  /**
   * The last delivery the token carried (ordinary deliveries are recorded at most once a minute): `test` when it
   * was Grafana's contact point test, which opens no incident. Null before the first one.
   */
  lastDelivery: null | { at: string; route: IngestRoute; test: boolean };
}
export interface CreatedIngestToken extends IngestToken {
  /** Shown once, never again. */
  token: string;
}
export interface IngestTokenList {
  items: IngestToken[];
}
export const ingestTokenParams = z.object({ id });
