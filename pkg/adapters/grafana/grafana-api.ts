import { z } from 'zod';

const teamSchema = z.object({ id: z.number(), name: z.string(), orgId: z.number().optional() });
const teamMemberSchema = z.object({
  userId: z.number(),
  login: z.string().optional(),
  permission: z.number().optional(),
});

export type GrafanaTeam = z.infer<typeof teamSchema>;
export type GrafanaTeamMember = z.infer<typeof teamMemberSchema>;

export class GrafanaApiError extends Error {
  readonly status: number | null;
  constructor(message: string, status: number | null, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

/** Grafana's HTTP API with one org's service-account token. Redirects are refused, every answer is parsed. */
export class GrafanaApi {
  private readonly baseUrl: string;
  private readonly token: string;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, token: string, timeoutMs = 5_000) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.token = token;
    this.timeoutMs = timeoutMs;
  }

  getTeam(teamId: number): Promise<GrafanaTeam | null> {
    return this.get(`/api/teams/${teamId}`, teamSchema, true);
  }

  async getTeamMembers(teamId: number): Promise<GrafanaTeamMember[]> {
    return (await this.get(`/api/teams/${teamId}/members`, z.array(teamMemberSchema), true)) ?? [];
  }

  /** Every team of the org, page by page (`/api/teams/search`; service accounts cannot use the user API). */
  async listTeams(maxTeams = 5_000): Promise<GrafanaTeam[]> {
    const perPage = 500;
    const page = z.object({ totalCount: z.number(), teams: z.array(teamSchema) });
    const teams: GrafanaTeam[] = [];
    for (let n = 1; teams.length < maxTeams; n++) {
      const result = await this.get(`/api/teams/search?perpage=${perPage}&page=${n}`, page, false);
      teams.push(...(result?.teams ?? []));
      if (!result || result.teams.length < perPage || teams.length >= result.totalCount) {
        break;
      }
    }
    return teams;
  }

  private async get<T>(path: string, schema: z.ZodType<T>, nullOn404: boolean): Promise<T | null> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        headers: { Authorization: `Bearer ${this.token}`, Accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new GrafanaApiError(`Grafana did not answer GET ${path}`, null, { cause: error });
    }
    if (response.status === 404 && nullOn404) {
      return null;
    }
    if (!response.ok) {
      throw new GrafanaApiError(`Grafana answered GET ${path} with ${response.status}`, response.status);
    }
    const parsed = schema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw new GrafanaApiError(`Grafana's answer to GET ${path} has an unexpected shape`, response.status);
    }
    return parsed.data;
  }
}
