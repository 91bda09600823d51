import { API_BASE_URL } from './sidecar';
import type { LiveEvent } from './types';

/**
 * Where the project's live events stand: `connecting` until the first open, `live` while open, `reconnecting`
 * after the connection dropped (the browser or this helper is trying again), `unavailable` where the browser has
 * no EventSource at all.
 */
export type LiveConnectionState = 'connecting' | 'live' | 'reconnecting' | 'unavailable';

const LIVE_EVENT_TYPES: ReadonlyArray<LiveEvent['type']> = ['incident.created', 'incident.updated'];

/** How long to wait before opening a stream the browser gave up on: doubling from the first, up to the last. */
const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000, 30000];

/** The stream's address. The project goes in the query: EventSource cannot send the X-Project-Id header. */
export function projectEventsUrl(projectId: string): string {
  return `${API_BASE_URL}/stream?projectId=${encodeURIComponent(projectId)}`;
}

/** The event in a message's data, or null for anything that is not one. */
export function parseLiveEvent(data: unknown): LiveEvent | null {
  if (typeof data !== 'string') {
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return null;
  }
  const { type, incidentId } = parsed as { type?: unknown; incidentId?: unknown };
  if (!LIVE_EVENT_TYPES.includes(type as LiveEvent['type']) || typeof incidentId !== 'string' || incidentId === '') {
    return null;
  }
  return { type: type as LiveEvent['type'], incidentId };
}

/**
 * Listens to the project's server-sent events (`incident.created`, `incident.updated`) until the returned function
 * is called. Same-origin through Grafana's plugin proxy, so the browser sends the Grafana session cookie.
 *
 * Events are hints without replay: after a `reconnecting`, whatever happened in between was missed, so callers
 * read their data again when the state returns to `live`.
 */
export function subscribeToProjectEvents(
  projectId: string,
  onEvent: (event: LiveEvent) => void,
  onStateChange: (state: LiveConnectionState) => void
): () => void {
  if (typeof EventSource === 'undefined') {
    onStateChange('unavailable');
    return () => {};
  }

  let source: EventSource | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let failedOpens = 0;
  let isClosed = false;

  const onMessage = (message: Event) => {
    const event = parseLiveEvent((message as MessageEvent).data);
    if (event && !isClosed) {
      onEvent(event);
    }
  };

  const open = () => {
    const current = new EventSource(projectEventsUrl(projectId));
    source = current;
    current.onopen = () => {
      failedOpens = 0;
      onStateChange('live');
    };
    current.onerror = () => {
      if (isClosed || source !== current) {
        return;
      }
      onStateChange('reconnecting');
      // While CONNECTING the browser retries by itself. CLOSED means it gave up, e.g. because the proxy answered
      // 502 while the sidecar restarted: open a new stream after a pause, pausing longer after each failure.
      if (current.readyState === EventSource.CLOSED) {
        current.close();
        const delay = RETRY_DELAYS_MS[Math.min(failedOpens, RETRY_DELAYS_MS.length - 1)];
        failedOpens += 1;
        retryTimer = setTimeout(open, delay);
      }
    };
    for (const type of LIVE_EVENT_TYPES) {
      current.addEventListener(type, onMessage);
    }
  };

  onStateChange('connecting');
  open();

  return () => {
    isClosed = true;
    clearTimeout(retryTimer);
    source?.close();
  };
}
