import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { namespaceOf, type SignedInIdentity } from './identity.ts';

/** How long Grafana's ID tokens live. */
export const ID_TOKEN_TTL_SECONDS = 600;

/**
 * The host's ID-token signer: an ES256 key of its own, published at /api/signing-keys/keys, and `X-Grafana-Id`
 * tokens with the claims Grafana puts in them (idForwarding).
 */
export class IdTokenSigner {
  readonly kid: string;
  private readonly privateKey: CryptoKey;
  private readonly publicJwk: JWK;

  private constructor(kid: string, privateKey: CryptoKey, publicJwk: JWK) {
    this.kid = kid;
    this.privateKey = privateKey;
    this.publicJwk = publicJwk;
  }

  static async create(): Promise<IdTokenSigner> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const kid = `standin-${randomUUID()}`;
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    return new IdTokenSigner(kid, privateKey, jwk);
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  /** `issuer` is Grafana's root URL with its trailing slash. */
  async sign(identity: SignedInIdentity, issuer: string, now = new Date()): Promise<string> {
    const iat = Math.floor(now.getTime() / 1000);
    const type = identity.kind;
    const claims: Record<string, unknown> = {
      identifier: identity.uid,
      type,
      namespace: namespaceOf(identity.orgId),
      role: identity.orgRole,
    };
    if (type === 'user') {
      claims.email = identity.email;
      claims.username = identity.login;
      claims.name = identity.name;
    }
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: this.kid, typ: 'jwt' })
      .setIssuer(issuer)
      .setAudience([`org:${identity.orgId}`])
      .setSubject(`${type}:${identity.id}`)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ID_TOKEN_TTL_SECONDS)
      .sign(this.privateKey);
  }
}
