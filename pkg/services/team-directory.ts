import type { Logger } from 'pino';
import {
  GrafanaApiError,
  type GrafanaApi,
  type GrafanaClient,
  type GrafanaTeam,
  type GrafanaTeamMember,
} from '../adapters/grafana/grafana-api.ts';
import type { Caller } from './caller.ts';
import { AppError } from './errors.ts';
import type { IntegrationsService } from './integrations.ts';

/** `permission` of a team member who is the team's Admin (0 = Member). */
const TEAM_ADMIN_PERMISSION = 4;

interface Cached<T> {
  value: T;
  until: number;
}

/**
 * Team facts from Grafana: the caller's teams (from X-Grafana-Context, else from the teams API), team names and
 * team-admin permission (teams API only). The API is reached with the org's service-account token, stored as the
 * org's `grafana` integration; answers are cached briefly. Without that integration, what only the API knows is
 * unknown (null), never guessed. A Grafana that cannot be asked is `unavailable` (503): the answer may be a
 * different one once it is back. The caller is told the same words whatever failed (the details go to the log),
 * since the org's Grafana URL is set by a tenant and the answers must not map the network for them.
 */
export class TeamDirectory {
  private readonly integrations: IntegrationsService;
  private readonly grafana: GrafanaClient;
  private readonly grafanaUrl: string;
  private readonly clock: () => Date;
  private readonly logger: Logger;
  private readonly ttlMs: number;
  private readonly cache = new Map<string, Cached<unknown>>();

  constructor(
    deps: { integrations: IntegrationsService; grafana: GrafanaClient; clock: () => Date; logger: Logger },
    config: { grafanaUrl: string; cacheMs: number }
  ) {
    this.integrations = deps.integrations;
    this.grafana = deps.grafana;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.grafanaUrl = config.grafanaUrl;
    this.ttlMs = config.cacheMs;
  }

  async teamIdsOf(caller: Caller): Promise<number[]> {
    if (caller.teamIds) {
      return caller.teamIds;
    }
    // Grafana sends the teams with every proxied request; this path serves Grafanas that do not.
    const api = await this.api(caller.orgId);
    if (!api) {
      return [];
    }
    const teams = await this.cached(`teams:${caller.orgId}`, () => this.ask(() => api.listTeams()));
    const mine: number[] = [];
    for (const team of teams) {
      const members = await this.members(caller.orgId, team.id, api);
      if (members.some((m) => m.userId === caller.userId)) {
        mine.push(team.id);
      }
    }
    return mine;
  }

  async team(orgId: number, teamId: number): Promise<GrafanaTeam | null | undefined> {
    // undefined: cannot know (no service account); null: Grafana says there is no such team
    const api = await this.api(orgId);
    if (!api) {
      return undefined;
    }
    return this.cached(`team:${orgId}:${teamId}`, () => this.ask(() => api.getTeam(teamId)));
  }

  /** True/false from the teams API; null when it cannot be asked. */
  async isTeamAdmin(orgId: number, teamId: number, userId: number): Promise<boolean | null> {
    const api = await this.api(orgId);
    if (!api) {
      return null;
    }
    const members = await this.members(orgId, teamId, api);
    return members.some((m) => m.userId === userId && m.permission === TEAM_ADMIN_PERMISSION);
  }

  private members(orgId: number, teamId: number, api: GrafanaApi): Promise<GrafanaTeamMember[]> {
    return this.cached(`members:${orgId}:${teamId}`, () => this.ask(() => api.getTeamMembers(teamId)));
  }

  /** Forget cached answers of an org (after its Grafana integration changed). */
  forgetOrg(orgId: number): void {
    for (const key of this.cache.keys()) {
      if (key.split(':')[1] === String(orgId)) {
        this.cache.delete(key);
      }
    }
  }

  private async api(orgId: number): Promise<GrafanaApi | null> {
    const creds = await this.cached(`creds:${orgId}`, () => this.integrations.grafanaCredentials(orgId));
    return creds ? this.grafana.forOrg(creds.url ?? this.grafanaUrl, creds.token) : null;
  }

  /** One call of the teams API; its failure becomes an `unavailable` AppError, logged with its cause. */
  private async ask<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof GrafanaApiError)) {
        throw error;
      }
      this.logger.warn({ err: error }, 'Grafana API call failed');
      // A refused URL stays refused until an org admin changes it; a failed call may pass once Grafana is back.
      const message = error.kind === 'not_allowed' ? error.publicMessage : `${error.publicMessage}; try again shortly`;
      throw new AppError('unavailable', message, { cause: error });
    }
  }

  private async cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = this.clock().getTime();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) {
      return hit.value as T;
    }
    const value = await load();
    if (this.cache.size >= 10_000) {
      this.cache.clear(); // bounded: a burst of distinct users cannot grow it without limit
    }
    this.cache.set(key, { value, until: now + this.ttlMs });
    return value;
  }
}
