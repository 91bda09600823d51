import { currentEventSource, FakeEventSource, installFakeEventSource } from '../testing/fakeEventSource';
import { parseLiveEvent, projectEventsUrl, subscribeToProjectEvents, type LiveConnectionState } from './events';
import type { LiveEvent } from './types';

const PROJECT_ID = '0b9f3f5e-8a47-4d2b-9a53-2f0e7f1c9a11';
const INCIDENT_ID = '5d1e4c8a-0a6b-4f3e-9d7c-2b8a1e6f4c30';

describe('parseLiveEvent', () => {
  it('reads the events the sidecar sends', () => {
    expect(parseLiveEvent(JSON.stringify({ type: 'incident.created', incidentId: INCIDENT_ID }))).toEqual({
      type: 'incident.created',
      incidentId: INCIDENT_ID,
    });
  });

  it.each([
    ['not JSON', '{'],
    ['not an object', '"incident.created"'],
    ['an unknown type', JSON.stringify({ type: 'incident.deleted', incidentId: INCIDENT_ID })],
    ['no incident id', JSON.stringify({ type: 'incident.updated' })],
  ])('ignores %s', (_name, data) => {
    expect(parseLiveEvent(data)).toBeNull();
  });
});

describe('subscribeToProjectEvents', () => {
  let uninstall: () => void;
  let events: LiveEvent[];
  let states: LiveConnectionState[];
  let unsubscribe: () => void;

  const subscribe = () => {
    unsubscribe = subscribeToProjectEvents(
      PROJECT_ID,
      (event) => events.push(event),
      (state) => states.push(state)
    );
  };

  beforeEach(() => {
    uninstall = installFakeEventSource();
    events = [];
    states = [];
  });

  afterEach(() => {
    unsubscribe?.();
    uninstall();
    jest.useRealTimers();
  });

  it('opens the stream through the plugin proxy, the project in the query', () => {
    subscribe();
    expect(currentEventSource().url).toBe(`/api/plugin-proxy/sre-copilot-app/api/v1/stream?projectId=${PROJECT_ID}`);
    expect(projectEventsUrl('a b')).toMatch(/projectId=a%20b$/);
  });

  it('reports connecting, then live, and passes the events on', () => {
    subscribe();
    const source = currentEventSource();
    source.open();
    source.emit({ type: 'incident.created', incidentId: INCIDENT_ID });
    source.emit({ type: 'incident.updated', incidentId: INCIDENT_ID });
    source.emitRaw('incident.updated', 'garbage');

    expect(states).toEqual(['connecting', 'live']);
    expect(events).toEqual([
      { type: 'incident.created', incidentId: INCIDENT_ID },
      { type: 'incident.updated', incidentId: INCIDENT_ID },
    ]);
  });

  it('reports reconnecting while the browser retries, and live when it is back', () => {
    subscribe();
    const source = currentEventSource();
    source.open();
    source.drop();
    source.open();

    expect(states).toEqual(['connecting', 'live', 'reconnecting', 'live']);
    expect(FakeEventSource.instances).toHaveLength(1);
  });

  it('opens a new stream, backing off, when the browser gave up', () => {
    jest.useFakeTimers();
    subscribe();
    const first = currentEventSource();
    first.open();
    first.drop({ gaveUp: true });

    expect(states).toEqual(['connecting', 'live', 'reconnecting']);
    jest.advanceTimersByTime(999);
    expect(FakeEventSource.instances).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(FakeEventSource.instances).toHaveLength(2);

    // The second attempt fails too: the pause doubles.
    const second = currentEventSource();
    second.drop({ gaveUp: true });
    jest.advanceTimersByTime(1999);
    expect(FakeEventSource.instances).toHaveLength(2);
    jest.advanceTimersByTime(1);
    const third = currentEventSource();
    third.open();
    third.emit({ type: 'incident.updated', incidentId: INCIDENT_ID });

    expect(states[states.length - 1]).toBe('live');
    expect(events).toHaveLength(1);
  });

  it('closes the stream, and stops retrying, on unsubscribe', () => {
    jest.useFakeTimers();
    subscribe();
    const source = currentEventSource();
    source.open();
    source.drop({ gaveUp: true });
    unsubscribe();
    jest.advanceTimersByTime(60_000);

    expect(FakeEventSource.instances).toHaveLength(1);
    expect(source.isClosed).toBe(true);
  });

  it('says so where the browser has no EventSource', () => {
    uninstall();
    const global = globalThis as { EventSource?: unknown };
    const saved = global.EventSource;
    delete global.EventSource;
    try {
      subscribe();
      expect(states).toEqual(['unavailable']);
    } finally {
      global.EventSource = saved;
    }
  });
});
