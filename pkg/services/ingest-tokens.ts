import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { CreateIngestTokenBody, CreatedIngestToken, IngestToken } from '../contract/index.ts';
import { createIngestTokenBody } from '../contract/index.ts';
import type { Database } from '../adapters/db/database.ts';
import type { SecretBox } from '../adapters/secret-box.ts';
import { appendAudit } from './audit.ts';
import type { TenantScope } from '../core/tenant-scope.ts';
import type { AuditActor } from './caller.ts';
import { notFound } from './errors.ts';

interface TokenRow {
  id: string;
  name: string;
  token_prefix: string;
  hmac_ciphertext: string | null;
  hmac_header: string;
  timestamp_header: string | null;
  tolerance_seconds: number;
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
}

/** What a webhook request's bearer token resolves to. */
export interface ResolvedIngestToken {
  tokenId: string;
  orgId: number;
  projectId: string;
  hmac: null | { secret: string; header: string; timestampHeader: string | null; toleranceSeconds: number };
}

const TOKEN_PREFIX = 'sct_';
export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

const COLUMNS = `id, name, token_prefix, hmac_ciphertext, hmac_header, timestamp_header, tolerance_seconds, created_by,
  created_at, revoked_at`;

/** Ingest tokens: created by project admins (shown once), stored as sha256, revoked, resolved on every webhook. */
export class IngestTokensService {
  private readonly db: Database;
  private readonly box: SecretBox;
  private readonly clock: () => Date;
  private readonly cache = new Map<string, { value: ResolvedIngestToken | null; until: number }>();
  private readonly cacheMs: number;

  constructor(deps: { db: Database; box: SecretBox; clock: () => Date }, config: { cacheMs: number }) {
    this.db = deps.db;
    this.box = deps.box;
    this.clock = deps.clock;
    this.cacheMs = config.cacheMs;
  }

  async list(scope: TenantScope): Promise<IngestToken[]> {
    const rows = await this.db.withTenant(scope, async (tx) =>
      (
        await tx.query<TokenRow>(
          `SELECT ${COLUMNS} FROM ingest_tokens WHERE org_id = $1 AND project_id = $2 ORDER BY created_at DESC, id`,
          [scope.orgId, scope.projectId]
        )
      ).rows
    );
    return rows.map(present);
  }

  async create(scope: TenantScope & { projectId: string }, actor: AuditActor, input: CreateIngestTokenBody): Promise<CreatedIngestToken> {
    const body = createIngestTokenBody.parse(input);
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const id = randomUUID();
    const sealed = body.hmacSecret ? this.box.seal(body.hmacSecret, `ingest-token:${id}`) : null;
    const row = await this.db.withTenant(scope, async (tx) => {
      const inserted = (
        await tx.query<TokenRow>(
          `INSERT INTO ingest_tokens (id, org_id, project_id, name, token_hash, token_prefix, hmac_ciphertext, hmac_key_id,
                                      hmac_header, timestamp_header, tolerance_seconds, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, 'X-Grafana-Alerting-Signature'), $10, coalesce($11, 300), $12)
           RETURNING ${COLUMNS}`,
          [
            id,
            scope.orgId,
            scope.projectId,
            body.name,
            hashToken(token),
            token.slice(0, TOKEN_PREFIX.length + 6),
            sealed?.ciphertext ?? null,
            sealed?.keyId ?? null,
            body.hmacHeader ?? null,
            body.timestampHeader ?? null,
            body.toleranceSeconds ?? null,
            actor.id,
          ]
        )
      ).rows[0]!;
      await appendAudit(
        tx,
        scope,
        actor,
        {
          action: 'ingest_token.created',
          resourceType: 'ingest_token',
          resourceId: id,
          details: { name: body.name, hmac: Boolean(sealed) },
        },
        this.clock()
      );
      return inserted;
    });
    return { ...present(row), token };
  }

  async revoke(scope: TenantScope, actor: AuditActor, id: string): Promise<void> {
    await this.db.withTenant(scope, async (tx) => {
      const updated = await tx.query<{ token_hash: string }>(
        `UPDATE ingest_tokens SET revoked_at = now() WHERE id = $1 AND org_id = $2 AND project_id = $3 AND revoked_at IS NULL
         RETURNING token_hash`,
        [id, scope.orgId, scope.projectId]
      );
      if (updated.rowCount === 0) {
        throw notFound('active ingest token');
      }
      await appendAudit(tx, scope, actor, { action: 'ingest_token.revoked', resourceType: 'ingest_token', resourceId: id }, this.clock());
      this.cache.delete(updated.rows[0]!.token_hash);
    });
  }

  /** The project of a bearer token, or null. Cached briefly; revocation on this replica takes effect at once. */
  async resolve(token: string): Promise<ResolvedIngestToken | null> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) {
      return null;
    }
    const hash = hashToken(token);
    const now = this.clock().getTime();
    const hit = this.cache.get(hash);
    if (hit && hit.until > now) {
      return hit.value;
    }
    const row = await this.db.withApp(async (tx) =>
      (
        await tx.query<{
          token_id: string;
          org_id: number;
          project_id: string;
          hmac_ciphertext: string | null;
          hmac_key_id: string | null;
          hmac_header: string;
          timestamp_header: string | null;
          tolerance_seconds: number;
        }>('SELECT token_id, org_id::int8 AS org_id, project_id, hmac_ciphertext, hmac_key_id, hmac_header, timestamp_header, tolerance_seconds FROM resolve_ingest_token($1)', [hash])
      ).rows[0]
    );
    const value: ResolvedIngestToken | null = row
      ? {
          tokenId: row.token_id,
          orgId: row.org_id,
          projectId: row.project_id,
          hmac:
            row.hmac_ciphertext && row.hmac_key_id
              ? {
                  secret: this.box.open({ keyId: row.hmac_key_id, ciphertext: row.hmac_ciphertext }, `ingest-token:${row.token_id}`),
                  header: row.hmac_header,
                  timestampHeader: row.timestamp_header,
                  toleranceSeconds: row.tolerance_seconds,
                }
              : null,
        }
      : null;
    if (this.cache.size >= 10_000) {
      this.cache.clear();
    }
    this.cache.set(hash, { value, until: now + this.cacheMs });
    return value;
  }
}

function present(row: TokenRow): IngestToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.token_prefix,
    hmac: row.hmac_ciphertext
      ? { header: row.hmac_header, timestampHeader: row.timestamp_header, toleranceSeconds: row.tolerance_seconds }
      : null,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}
