import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

export interface TestUser {
  orgId: number;
  userId: number;
  login: string;
  orgRole: 'Admin' | 'Editor' | 'Viewer' | 'None';
  teams: number[];
  serviceAccount?: boolean;
}

export interface TestTeam {
  id: number;
  name: string;
  /** permission 4 = team Admin, 0 = Member */
  members: Array<{ userId: number; login: string; permission: 0 | 4 }>;
}

export interface TokenOverrides {
  issuer?: string;
  audience?: string | string[];
  expiresInSeconds?: number;
  key?: CryptoKey;
  kid?: string;
  alg?: string;
  sub?: string;
}

/**
 * What Grafana contributes to a proxied request, for tests: an ES256 signing key whose JWKS is served over HTTP
 * at /api/signing-keys/keys, signed `X-Grafana-Id` tokens with Grafana's claims, and `X-Grafana-Context`.
 */
export class TestGrafanaIdentity {
  readonly issuer: string;
  readonly url: string;
  private readonly server: Server;
  private readonly privateKey: CryptoKey;
  readonly kid: string;
  private jwks: { keys: JWK[] };
  jwksFetches = 0;
  /** Service-account token → org id, and each org's teams: Grafana's teams API for the sidecar. */
  readonly serviceAccounts = new Map<string, number>();
  readonly teams = new Map<number, TestTeam[]>();
  apiDown = false;
  apiCalls: string[] = [];

  private constructor(server: Server, url: string, privateKey: CryptoKey, kid: string, jwks: { keys: JWK[] }) {
    this.server = server;
    this.url = url;
    this.issuer = `${url}/`;
    this.privateKey = privateKey;
    this.kid = kid;
    this.jwks = jwks;
  }

  static async start(): Promise<TestGrafanaIdentity> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const kid = 'test-key-1';
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    let identity: TestGrafanaIdentity | undefined;
    const server = createServer((req, res) => {
      if (req.url === '/api/signing-keys/keys' && identity) {
        identity.jwksFetches += 1;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(identity.jwks));
        return;
      }
      const answer = identity?.teamsApi(req.url ?? '', req.headers.authorization);
      res.statusCode = answer?.status ?? 404;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer?.body ?? { message: 'not found' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    identity = new TestGrafanaIdentity(server, url, privateKey, kid, { keys: [jwk] });
    return identity;
  }

  /** Publishes another key (rotation): tokens signed with it verify once the JWKS is fetched again. */
  async addKey(kid: string): Promise<CryptoKey> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    this.jwks = { keys: [...this.jwks.keys, { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] };
    return privateKey;
  }

  /** Grafana's teams API as a service account of one org sees it. */
  teamsApi(url: string, authorization: string | undefined): { status: number; body: unknown } | null {
    if (!url.startsWith('/api/teams')) {
      return null;
    }
    this.apiCalls.push(url);
    if (this.apiDown) {
      return { status: 502, body: { message: 'bad gateway' } };
    }
    const orgId = this.serviceAccounts.get((authorization ?? '').replace(/^Bearer /, ''));
    if (orgId === undefined) {
      return { status: 401, body: { message: 'invalid API key' } };
    }
    const teams = this.teams.get(orgId) ?? [];
    const { pathname, searchParams } = new URL(url, 'http://grafana');
    if (pathname === '/api/teams/search') {
      const perPage = Number(searchParams.get('perpage') ?? 1000);
      const page = Number(searchParams.get('page') ?? 1);
      const slice = teams.slice((page - 1) * perPage, page * perPage);
      return {
        status: 200,
        body: { totalCount: teams.length, page, perPage, teams: slice.map((t) => ({ id: t.id, orgId, name: t.name })) },
      };
    }
    const match = /^\/api\/teams\/(\d+)(\/members)?$/.exec(pathname);
    const team = match ? teams.find((t) => t.id === Number(match[1])) : undefined;
    if (!match || !team) {
      return { status: 404, body: { message: 'Team not found' } };
    }
    return match[2]
      ? { status: 200, body: team.members.map((m) => ({ orgId, teamId: team.id, ...m })) }
      : { status: 200, body: { id: team.id, orgId, name: team.name, memberCount: team.members.length } };
  }

  async idToken(user: TestUser, overrides: TokenOverrides = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + (overrides.expiresInSeconds ?? 600);
    const kind = user.serviceAccount ? 'service-account' : 'user';
    return new SignJWT({
      identifier: `uid-${user.userId}`,
      type: kind,
      namespace: user.orgId === 1 ? 'default' : `org-${user.orgId}`,
      email: `${user.login}@example.com`,
      username: user.login,
      name: user.login,
      role: user.orgRole,
    })
      .setProtectedHeader({ alg: overrides.alg ?? 'ES256', kid: overrides.kid ?? this.kid, typ: 'jwt' })
      .setIssuer(overrides.issuer ?? this.issuer)
      .setAudience(overrides.audience ?? [`org:${user.orgId}`])
      .setSubject(overrides.sub ?? `${kind}:${user.userId}`)
      .setIssuedAt(exp - 600)
      .setExpirationTime(exp)
      .sign(overrides.key ?? this.privateKey);
  }

  context(user: TestUser): string {
    return JSON.stringify({
      UserID: user.userId,
      OrgID: user.orgId,
      OrgRole: user.orgRole,
      Login: user.login,
      Name: user.login,
      Email: `${user.login}@example.com`,
      IsServiceAccount: Boolean(user.serviceAccount),
      IsGrafanaAdmin: false,
      Teams: user.teams,
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
