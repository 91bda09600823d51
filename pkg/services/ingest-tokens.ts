import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { CreateIngestTokenBody, CreatedIngestToken, IngestRoute, IngestToken } from '../contract/index.ts';
import { createIngestTokenBody } from '../contract/index.ts';
import type { Database } from '../adapters/db/database.ts';
import {
  insertIngestToken,
  listIngestTokens,
  recordIngestTokenDelivery,
  resolveIngestToken,
  revokeIngestToken,
} from '../adapters/db/repositories/ingest-tokens.ts';
import type { SecretBox } from '../adapters/secret-box.ts';
import type { AuditService } from './audit.ts';
import type { TenantScope } from '../core/tenant-scope.ts';
import type { AuditActor } from './caller.ts';
import { AppError, notFound } from './errors.ts';

/** What a webhook request's bearer token resolves to. */
export interface ResolvedIngestToken {
  tokenId: string;
  orgId: number;
  projectId: string;
  hmac: null | { secret: string; header: string; timestampHeader: string | null; toleranceSeconds: number };
}

const TOKEN_PREFIX = 'sct_';
/**
 * Ordinary deliveries are recorded on their token at most this often per replica: a busy sender would otherwise
 * add a write per webhook. A delivery of the other kind (test or not) than the last recorded one is always recorded.
 */
const DELIVERY_RECORD_INTERVAL_MS = 60_000;
export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** Ingest tokens: created by project admins (shown once), stored as sha256, revoked, resolved on every webhook. */
export class IngestTokensService {
  private readonly db: Database;
  private readonly box: SecretBox;
  private readonly clock: () => Date;
  private readonly cache = new Map<string, { value: ResolvedIngestToken | null; until: number }>();
  private readonly cacheMs: number;
  private readonly recorded = new Map<string, { at: number; test: boolean }>();
  private readonly audit: AuditService;

  constructor(
    deps: { db: Database; box: SecretBox; clock: () => Date; audit: AuditService },
    config: { cacheMs: number }
  ) {
    this.db = deps.db;
    this.box = deps.box;
    this.clock = deps.clock;
    this.audit = deps.audit;
    this.cacheMs = config.cacheMs;
  }

  async list(scope: TenantScope): Promise<IngestToken[]> {
    return this.db.withTenant(scope, (tx) => listIngestTokens(tx, scope));
  }

  async create(
    scope: TenantScope & { projectId: string },
    actor: AuditActor,
    input: CreateIngestTokenBody
  ): Promise<CreatedIngestToken> {
    const body = createIngestTokenBody.parse(input);
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const id = randomUUID();
    const sealed = body.hmacSecret ? this.box.seal(body.hmacSecret, `ingest-token:${id}`) : null;
    const created = await this.db.withTenant(scope, async (tx) => {
      const inserted = await insertIngestToken(tx, scope, {
        id,
        name: body.name,
        tokenHash: hashToken(token),
        tokenPrefix: token.slice(0, TOKEN_PREFIX.length + 6),
        hmacCiphertext: sealed?.ciphertext ?? null,
        hmacKeyId: sealed?.keyId ?? null,
        hmacHeader: body.hmacHeader ?? null,
        timestampHeader: body.timestampHeader ?? null,
        toleranceSeconds: body.toleranceSeconds ?? null,
        createdBy: actor.id,
      });
      await this.audit.append(
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
    return { ...created, token };
  }

  async revoke(scope: TenantScope, actor: AuditActor, id: string): Promise<void> {
    await this.db.withTenant(scope, async (tx) => {
      const tokenHash = await revokeIngestToken(tx, scope, id);
      if (tokenHash === null) {
        throw notFound('active ingest token');
      }
      await this.audit.append(
        tx,
        scope,
        actor,
        { action: 'ingest_token.revoked', resourceType: 'ingest_token', resourceId: id },
        this.clock()
      );
      this.cache.delete(tokenHash);
    });
  }

  /**
   * Records a delivery on its token's last-delivery status (what a project admin sees after pressing Grafana's
   * "Test" button). Called before the delivery is stored: when the database cannot take the record, the delivery
   * is refused with a retry rather than stored without it.
   */
  async recordDelivery(token: ResolvedIngestToken, route: IngestRoute, test: boolean): Promise<void> {
    const now = this.clock();
    const last = this.recorded.get(token.tokenId);
    if (!test && last && !last.test && now.getTime() - last.at < DELIVERY_RECORD_INTERVAL_MS) {
      return;
    }
    // Marked before the write, so that the concurrent deliveries of a burst do not all write the same row.
    const mark = { at: now.getTime(), test };
    if (this.recorded.size >= 10_000) {
      this.recorded.clear();
    }
    this.recorded.set(token.tokenId, mark);
    const scope = { orgId: token.orgId, projectId: token.projectId };
    try {
      await this.db.withTenant(scope, (tx) =>
        recordIngestTokenDelivery(tx, scope, { tokenId: token.tokenId, at: now, route, test })
      );
    } catch (error) {
      if (this.recorded.get(token.tokenId) === mark) {
        this.recorded.delete(token.tokenId);
      }
      throw new AppError('unavailable', 'the delivery could not be recorded; retry', {
        cause: error,
        retryAfterSeconds: 1,
      });
    }
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
    const row = await this.db.withApp((tx) => resolveIngestToken(tx, hash));
    const value: ResolvedIngestToken | null = row
      ? {
          tokenId: row.token_id,
          orgId: row.org_id,
          projectId: row.project_id,
          hmac:
            row.hmac_ciphertext && row.hmac_key_id
              ? {
                  secret: this.box.open(
                    { keyId: row.hmac_key_id, ciphertext: row.hmac_ciphertext },
                    `ingest-token:${row.token_id}`
                  ),
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
