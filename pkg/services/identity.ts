import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Database } from '../adapters/db/database.ts';
import { findOrganizationSecretHash, upsertOrganizationSecret } from '../adapters/db/repositories/organizations.ts';
import { IdTokenError, type GrafanaIdentity, type IdTokenVerifier } from '../adapters/grafana/id-token.ts';
import type { Caller } from './caller.ts';
import { unauthorized } from './errors.ts';

/** The part of X-Grafana-Context the sidecar reads. Grafana sets it on every proxied request (unsigned). */
const grafanaContextSchema = z.looseObject({
  UserID: z.number().int(),
  OrgID: z.number().int(),
  OrgRole: z.enum(['Admin', 'Editor', 'Viewer', 'None', '']).optional(),
  Login: z.string().optional(),
  Name: z.string().optional(),
  Email: z.string().optional(),
  IsServiceAccount: z.boolean().optional(),
  Teams: z.array(z.number().int()).nullable().optional(),
});
type GrafanaContext = z.infer<typeof grafanaContextSchema>;

export interface IdentityConfig {
  /** Accept X-Grafana-Context as identity when no X-Grafana-Id is sent (Grafana without ID tokens). */
  trustContextIdentity: boolean;
  secretCacheMs: number;
}

export interface RequestCredentials {
  secret: string | undefined;
  idToken: string | undefined;
  context: string | undefined;
  ip: string | null;
  requestId: string;
}

export const hashSecret = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

/**
 * Authenticates a request that came through Grafana's plugin proxy: the route-injected secret must be the one of
 * the org that the verified ID token names, and X-Grafana-Context (trusted only behind that secret) must agree
 * with the token.
 */
export class IdentityService {
  private readonly db: Database;
  private readonly verifier: IdTokenVerifier;
  private readonly clock: () => Date;
  private readonly config: IdentityConfig;
  private readonly secretCache = new Map<number, { hash: Buffer | null; until: number }>();

  constructor(deps: { db: Database; verifier: IdTokenVerifier; clock: () => Date }, config: IdentityConfig) {
    this.db = deps.db;
    this.verifier = deps.verifier;
    this.clock = deps.clock;
    this.config = config;
  }

  async authenticate(creds: RequestCredentials): Promise<Caller> {
    if (!creds.secret) {
      throw unauthorized('missing the sidecar secret header: call the API through the Grafana app plugin proxy');
    }
    const context = parseContext(creds.context);
    let identity: GrafanaIdentity;
    if (creds.idToken) {
      try {
        identity = await this.verifier.verify(creds.idToken);
      } catch (error) {
        throw unauthorized(error instanceof IdTokenError ? error.message : 'X-Grafana-Id could not be verified');
      }
    } else if (this.config.trustContextIdentity && context) {
      identity = identityFromContext(context);
    } else {
      throw unauthorized('missing X-Grafana-Id: enable ID forwarding in Grafana (feature idForwarding)');
    }
    if (!Number.isSafeInteger(identity.orgId) || identity.orgId < 1) {
      throw unauthorized('the identity names no valid Grafana org');
    }
    if (!(await this.secretMatches(identity.orgId, creds.secret))) {
      throw unauthorized('the sidecar secret is not the one configured for this Grafana org');
    }
    if (context && (context.UserID !== identity.userId || context.OrgID !== identity.orgId)) {
      throw unauthorized('X-Grafana-Context does not describe the user of X-Grafana-Id');
    }
    return {
      ...identity,
      teamIds: context?.Teams ?? null,
      ip: creds.ip,
      requestId: creds.requestId,
    };
  }

  /** Registers or replaces an org's secret (stored as its sha256). */
  async setOrgSecret(orgId: number, secret: string): Promise<void> {
    const secretHash = hashSecret(secret);
    await this.db.withTenant({ orgId, projectId: null }, (tx) => upsertOrganizationSecret(tx, orgId, secretHash));
    this.secretCache.delete(orgId);
  }

  private async secretMatches(orgId: number, secret: string): Promise<boolean> {
    const now = this.clock().getTime();
    let cached = this.secretCache.get(orgId);
    if (!cached || cached.until < now) {
      const hash = await this.db.withTenant({ orgId, projectId: null }, (tx) => findOrganizationSecretHash(tx, orgId));
      cached = { hash: hash ? Buffer.from(hash, 'hex') : null, until: now + this.config.secretCacheMs };
      this.secretCache.set(orgId, cached);
    }
    const given = Buffer.from(hashSecret(secret), 'hex');
    // Both sides are sha256 digests of equal length; compare in constant time.
    return cached.hash !== null && timingSafeEqual(given, cached.hash);
  }
}

function parseContext(header: string | undefined): GrafanaContext | null {
  if (!header) {
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(header);
  } catch {
    throw unauthorized('X-Grafana-Context is not JSON');
  }
  const parsed = grafanaContextSchema.safeParse(json);
  if (!parsed.success) {
    throw unauthorized('X-Grafana-Context is not a Grafana request context');
  }
  return parsed.data;
}

function identityFromContext(context: GrafanaContext): GrafanaIdentity {
  return {
    orgId: context.OrgID,
    subjectType: context.IsServiceAccount ? 'service-account' : 'user',
    userId: context.UserID,
    uid: '',
    login: context.Login ?? '',
    email: context.Email ?? '',
    name: context.Name ?? '',
    orgRole: context.OrgRole || 'None',
  };
}
