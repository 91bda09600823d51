import { z } from 'zod';
import { checkOutboundUrl, type HostAllowList } from '../outbound/allow-list.ts';
import { redactUrl } from '../outbound/redact-url.ts';
import { HttpTransport, TransportError, networkReason, type TransportResponse } from '../outbound/transport.ts';

const teamSchema = z.object({ id: z.number(), name: z.string(), orgId: z.number().optional() });
const teamMemberSchema = z.object({
  userId: z.number(),
  login: z.string().optional(),
  permission: z.number().optional(),
});
/** Grafana's error body (`{"message": "Team not found"}`): a 404 in any other shape is not Grafana's. */
const grafanaErrorSchema = z.object({ message: z.string() });

export type GrafanaTeam = z.infer<typeof teamSchema>;
export type GrafanaTeamMember = z.infer<typeof teamMemberSchema>;

/**
 * `not_allowed`: the URL was refused before any connection (not http(s), credentials in it, or a host outside the
 * allow-list); `unreachable`: no connection, no answer in time, a redirect, an error status or an answer that is not
 * Grafana's.
 */
export type GrafanaApiErrorKind = 'not_allowed' | 'unreachable';

/**
 * A failed call of Grafana's API. `message` has the details for the server log (never credentials or a query
 * string); `publicMessage` is what a caller may be told. The latter is the same for every `unreachable` failure,
 * so that a tenant who sets the org's Grafana URL cannot tell a closed port from an open one, or one server from
 * another, by the answers.
 */
export class GrafanaApiError extends Error {
  readonly kind: GrafanaApiErrorKind;
  readonly status: number | null;
  readonly publicMessage: string;

  constructor(
    kind: GrafanaApiErrorKind,
    message: string,
    options: { publicMessage: string; status?: number; cause?: unknown }
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GrafanaApiError';
    this.kind = kind;
    this.status = options.status ?? null;
    this.publicMessage = options.publicMessage;
  }
}

export interface GrafanaClientOptions {
  /** The sidecar's outbound allow-list: a Grafana URL outside it is never contacted. */
  allowList: HostAllowList;
  /** Per call, from sending the request to the end of the body (default 5 s). */
  timeoutMs?: number;
  /** Largest answer read (default 10 MB). */
  maxResponseBytes?: number;
}

/**
 * Grafana's HTTP API for every org: one allow-list and one pool of kept-alive connections, shared by the per-org
 * views that `forOrg` hands out. Redirects are never followed, every answer is parsed.
 */
export class GrafanaClient {
  private readonly allowList: HostAllowList;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly transport = new HttpTransport();

  constructor(options: GrafanaClientOptions) {
    this.allowList = options.allowList;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 10_000_000;
  }

  /** The API of the Grafana at `baseUrl` with one org's service-account token. */
  forOrg(baseUrl: string, token: string): GrafanaApi {
    return new GrafanaApi(this, baseUrl, token);
  }

  /** Closes the kept-alive connections (requests in flight are cut off). */
  close(): void {
    this.transport.close();
  }

  /** One GET: the parsed answer, null for Grafana's own 404 when `nullOn404`, else a GrafanaApiError. */
  async get<T>(
    baseUrl: string,
    token: string,
    path: string,
    schema: z.ZodType<T>,
    nullOn404: boolean
  ): Promise<T | null> {
    const base = baseUrl.replace(/\/+$/, '');
    const where = redactUrl(base);
    const checked = checkOutboundUrl(`${base}${path}`, undefined, this.allowList);
    if (!('url' in checked)) {
      const why =
        checked.refused === 'host'
          ? `the host ${checked.host} is not in the outbound allow-list`
          : checked.refused === 'scheme'
            ? 'only http(s) URLs without credentials in them are called'
            : 'the URL is not valid';
      // Without the parser's error as cause: it carries the input, which may hold credentials.
      throw new GrafanaApiError('not_allowed', `Grafana at ${where} was not called: ${why}`, {
        publicMessage:
          checked.refused === 'host'
            ? `the org's Grafana URL names the host ${checked.host}, which the sidecar may not call; an org admin ` +
              'must change the Grafana integration (or an operator allow the host)'
            : "the org's Grafana URL cannot be used; an org admin must change the Grafana integration",
      });
    }
    const unreachable = (detail: string, options: { status?: number; cause?: unknown } = {}) =>
      new GrafanaApiError('unreachable', `Grafana at ${where}: GET ${path.split('?')[0]} ${detail}`, {
        ...options,
        publicMessage: `Grafana at ${hostOf(checked.url)} could not be reached or did not answer as Grafana`,
      });
    let answer: TransportResponse;
    try {
      answer = await this.transport.send({
        url: checked.url,
        method: 'GET',
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        timeoutMs: this.timeoutMs,
        maxResponseBytes: this.maxResponseBytes,
      });
    } catch (error) {
      if (!(error instanceof TransportError)) {
        throw error;
      }
      throw unreachable(transportDetail(error), { status: error.status, cause: error });
    }
    const body = parseJson(answer.text);
    if (answer.status === 404 && nullOn404 && grafanaErrorSchema.safeParse(body).success) {
      return null;
    }
    if (answer.status < 200 || answer.status >= 300) {
      throw unreachable(`answered with ${answer.status}`, { status: answer.status });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw unreachable('answered in an unexpected shape', { status: answer.status });
    }
    return parsed.data;
  }
}

/** Grafana's HTTP API with one org's service-account token. */
export class GrafanaApi {
  private readonly client: GrafanaClient;
  private readonly baseUrl: string;
  private readonly token: string;

  constructor(client: GrafanaClient, baseUrl: string, token: string) {
    this.client = client;
    this.baseUrl = baseUrl;
    this.token = token;
  }

  getTeam(teamId: number): Promise<GrafanaTeam | null> {
    return this.client.get(this.baseUrl, this.token, `/api/teams/${teamId}`, teamSchema, true);
  }

  async getTeamMembers(teamId: number): Promise<GrafanaTeamMember[]> {
    return (
      (await this.client.get(
        this.baseUrl,
        this.token,
        `/api/teams/${teamId}/members`,
        z.array(teamMemberSchema),
        true
      )) ?? []
    );
  }

  /** Every team of the org, page by page (`/api/teams/search`; service accounts cannot use the user API). */
  async listTeams(maxTeams = 5_000): Promise<GrafanaTeam[]> {
    const perPage = 500;
    const page = z.object({ totalCount: z.number(), teams: z.array(teamSchema) });
    const teams: GrafanaTeam[] = [];
    for (let n = 1; teams.length < maxTeams; n++) {
      const path = `/api/teams/search?perpage=${perPage}&page=${n}`;
      const result = await this.client.get(this.baseUrl, this.token, path, page, false);
      teams.push(...(result?.teams ?? []));
      if (!result || result.teams.length < perPage || teams.length >= result.totalCount) {
        break;
      }
    }
    return teams;
  }
}

/** The host[:port] a caller may see: it is the one they configured, and nothing about what answered there. */
function hostOf(url: URL): string {
  return url.host.toLowerCase();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The server log's words for a failed exchange. */
function transportDetail(error: TransportError): string {
  switch (error.kind) {
    case 'timeout':
      return `did not answer within ${error.limit} ms`;
    case 'network':
      return `cannot be reached: ${networkReason(error.cause)}`;
    case 'broken':
      return 'broke off its answer';
    case 'redirect':
      return `answered with a redirect (${error.status}${error.location ? ` to ${redactUrl(error.location)}` : ''})`;
    case 'too_large':
      return `answered with more than ${error.limit} bytes`;
  }
}
