import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';

/** Who Grafana says the caller is, from a verified `X-Grafana-Id` token. */
export interface GrafanaIdentity {
  orgId: number;
  subjectType: 'user' | 'service-account';
  userId: number;
  uid: string;
  login: string;
  email: string;
  name: string;
  orgRole: 'Admin' | 'Editor' | 'Viewer' | 'None';
}

export class IdTokenError extends Error {}

/**
 * The id in a claim such as `user:42` or `org:1`, or null unless it is exactly a decimal 1 ≤ id ≤ 2^53−1 without
 * leading zeros: `01`, `1x`, `1e3`, `0` or a larger number would otherwise be read as another number than the one
 * Grafana wrote, or two different strings as the same id.
 */
function claimId(value: string, prefixes: readonly string[]): { prefix: string; id: number } | null {
  const colon = value.indexOf(':');
  const prefix = value.slice(0, colon);
  const digits = value.slice(colon + 1);
  const id = Number(digits);
  if (colon < 0 || !prefixes.includes(prefix) || !/^[1-9][0-9]*$/.test(digits) || !Number.isSafeInteger(id)) {
    return null;
  }
  return { prefix, id };
}

const SUBJECT_KINDS = ['user', 'service-account'] as const;

const claimsSchema = z.object({
  sub: z
    .string()
    .refine(
      (sub) => claimId(sub, SUBJECT_KINDS) !== null,
      'sub must be user:<id> or service-account:<id>, with 1 ≤ id ≤ 2^53−1 and no leading zeros'
    ),
  aud: z.union([z.string(), z.array(z.string())]),
  identifier: z.string().optional(),
  username: z.string().optional(),
  email: z.string().optional(),
  name: z.string().optional(),
  role: z.enum(['Admin', 'Editor', 'Viewer', 'None']).optional(),
});

export interface IdTokenVerifierOptions {
  /** Grafana's root URL as it puts it in `iss` (with or without the trailing slash). */
  issuer: string;
  jwksUrl: URL;
  /** Least time between two JWKS fetches triggered by unknown key ids. */
  refreshCooldownMs: number;
  /** For tests: a key set instead of the remote JWKS. */
  keySet?: JWTVerifyGetKey;
}

/**
 * Verifies Grafana ID tokens (ES256) against Grafana's JWKS. jose caches the key set and fetches it again when a
 * token names an unknown `kid` (at most once per cooldown).
 */
export class IdTokenVerifier {
  private readonly keySet: JWTVerifyGetKey;
  private readonly issuers: string[];

  constructor(options: IdTokenVerifierOptions) {
    this.keySet =
      options.keySet ??
      createRemoteJWKSet(options.jwksUrl, {
        cooldownDuration: options.refreshCooldownMs,
        cacheMaxAge: 10 * 60_000,
        timeoutDuration: 5_000,
      });
    const bare = options.issuer.replace(/\/+$/, '');
    this.issuers = [bare, `${bare}/`];
  }

  async verify(token: string): Promise<GrafanaIdentity> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.keySet, {
        issuer: this.issuers,
        algorithms: ['ES256'],
        requiredClaims: ['exp', 'sub', 'aud', 'iss'],
        clockTolerance: 5,
      }));
    } catch (error) {
      throw new IdTokenError(`X-Grafana-Id rejected: ${(error as Error).message}`, { cause: error });
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) {
      throw new IdTokenError(`X-Grafana-Id rejected: ${claims.error.issues[0]?.message ?? 'bad claims'}`);
    }
    const audiences = Array.isArray(claims.data.aud) ? claims.data.aud : [claims.data.aud];
    const orgClaims = audiences.filter((a) => a.startsWith('org:'));
    const org = orgClaims.length === 1 ? claimId(orgClaims[0]!, ['org']) : null;
    if (!org) {
      throw new IdTokenError(
        'X-Grafana-Id rejected: audience must name exactly one org (org:<id>, 1 ≤ id ≤ 2^53−1, no leading zeros)'
      );
    }
    const subject = claimId(claims.data.sub, SUBJECT_KINDS)!;
    return {
      orgId: org.id,
      subjectType: subject.prefix as GrafanaIdentity['subjectType'],
      userId: subject.id,
      uid: claims.data.identifier ?? '',
      login: claims.data.username ?? '',
      email: claims.data.email ?? '',
      name: claims.data.name ?? '',
      orgRole: claims.data.role ?? 'None',
    };
  }
}
