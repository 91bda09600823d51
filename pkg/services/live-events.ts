import type { Logger } from 'pino';
import type { LiveEvent } from '../contract/index.ts';
import type { Database, Queryable } from '../adapters/db/database.ts';
import { notifyLiveEvents } from '../adapters/db/repositories/live-events.ts';
import type { Caller } from './caller.ts';
import { AppError } from './errors.ts';
import type { Metrics } from './metrics.ts';

/** NOTIFY channel for incident events; every replica listens and fans out to its own SSE clients. */
export const LIVE_CHANNEL = 'sre_copilot_events';

type Listener = (event: LiveEvent) => void;

/** The NOTIFY payload of a live event: the tenant it belongs to, so each replica forwards it to that project only. */
export function livePayload(scope: { orgId: number; projectId: string }, event: LiveEvent): string {
  return JSON.stringify({
    orgId: scope.orgId,
    projectId: scope.projectId,
    type: event.type,
    incidentId: event.incidentId,
  });
}

/** Sends live events inside the caller's transaction (PostgreSQL delivers them at commit), one statement for all. */
export async function notifyLive(
  tx: Queryable,
  scope: { orgId: number; projectId: string },
  events: LiveEvent[]
): Promise<void> {
  if (events.length > 0) {
    await notifyLiveEvents(
      tx,
      LIVE_CHANNEL,
      events.map((e) => livePayload(scope, e))
    );
  }
}

/**
 * Fan-out of incident events to server-sent-event clients, per project. Events come from PostgreSQL
 * LISTEN/NOTIFY (in-process with PGlite), so a change made on any replica reaches clients of every replica.
 */
export class LiveEvents {
  private readonly db: Database;
  private readonly logger: Logger;
  private readonly metrics: Metrics;
  private readonly maxStreamsPerUser: number;
  private readonly listeners = new Map<string, Set<Listener>>();
  /** Open streams per user (`org:subject:id`) on this replica. */
  private readonly streamsPerUser = new Map<string, number>();
  private unlisten: (() => Promise<void>) | null = null;

  constructor(deps: { db: Database; logger: Logger; metrics: Metrics }, config: { maxStreamsPerUser: number }) {
    this.db = deps.db;
    this.logger = deps.logger;
    this.metrics = deps.metrics;
    this.maxStreamsPerUser = config.maxStreamsPerUser;
  }

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(LIVE_CHANNEL, (payload) => this.dispatch(payload));
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.unlisten = null;
  }

  /**
   * Takes one of the caller's stream slots on this replica, or refuses (429) when they hold the most already: each
   * stream holds a socket and a listener for as long as it is open, so one user (or one leaked tab loop) must not
   * hold them all. The returned release gives the slot back; calling it again does nothing.
   */
  reserveStream(caller: Caller): () => void {
    const key = `${caller.orgId}:${caller.subjectType}:${caller.userId}`;
    const open = this.streamsPerUser.get(key) ?? 0;
    if (open >= this.maxStreamsPerUser) {
      throw new AppError(
        'rate_limited',
        `too many open event streams: at most ${this.maxStreamsPerUser} per user; close another SRE Copilot tab or window and try again`,
        { retryAfterSeconds: 5 }
      );
    }
    this.streamsPerUser.set(key, open + 1);
    let released = false;
    return () => {
      if (released) {
        return;
      }
      released = true;
      const left = (this.streamsPerUser.get(key) ?? 1) - 1;
      if (left > 0) {
        this.streamsPerUser.set(key, left);
      } else {
        this.streamsPerUser.delete(key);
      }
    };
  }

  subscribe(orgId: number, projectId: string, listener: Listener): () => void {
    const key = `${orgId}:${projectId}`;
    const set = this.listeners.get(key) ?? new Set();
    set.add(listener);
    this.listeners.set(key, set);
    this.metrics.sseClients.inc();
    return () => {
      if (set.delete(listener)) {
        this.metrics.sseClients.dec();
      }
      if (set.size === 0) {
        this.listeners.delete(key);
      }
    };
  }

  private dispatch(payload: string): void {
    let message: { orgId?: unknown; projectId?: unknown; type?: unknown; incidentId?: unknown };
    try {
      message = JSON.parse(payload);
    } catch {
      this.logger.warn('ignored a malformed live event');
      return;
    }
    const set = this.listeners.get(`${String(message.orgId)}:${String(message.projectId)}`);
    if (
      !set ||
      (message.type !== 'incident.created' && message.type !== 'incident.updated') ||
      typeof message.incidentId !== 'string'
    ) {
      return;
    }
    const event: LiveEvent = { type: message.type, incidentId: message.incidentId };
    for (const listener of set) {
      listener(event);
    }
  }
}
