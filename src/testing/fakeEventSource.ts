/** Test helper: a stand-in for the browser's EventSource (jsdom has none) that tests open, feed and drop by hand. */
import type { LiveEvent } from '../api';

type Listener = (event: MessageEvent) => void;

export class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  /** Every stream opened since `installFakeEventSource`, oldest first. */
  static instances: FakeEventSource[] = [];

  readonly url: string;
  readyState = FakeEventSource.CONNECTING;
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(url: string) {
    this.url = url;
    FakeEventSource.instances.push(this);
  }

  addEventListener(type: string, listener: Listener) {
    const set = this.listeners.get(type) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(type, set);
  }

  removeEventListener(type: string, listener: Listener) {
    this.listeners.get(type)?.delete(listener);
  }

  close() {
    this.readyState = FakeEventSource.CLOSED;
  }

  /** The server accepted the stream. */
  open() {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.(new Event('open'));
  }

  /** The server sent `event` as the sidecar does: the event's type as the SSE event name, JSON as data. */
  emit(event: LiveEvent) {
    this.emitRaw(event.type, JSON.stringify(event));
  }

  emitRaw(type: string, data: string) {
    if (this.readyState !== FakeEventSource.OPEN) {
      return;
    }
    for (const listener of this.listeners.get(type) ?? []) {
      listener(new MessageEvent(type, { data }));
    }
  }

  /** The connection dropped: the browser retries by itself, or with `gaveUp` it closed the stream for good. */
  drop({ gaveUp = false }: { gaveUp?: boolean } = {}) {
    this.readyState = gaveUp ? FakeEventSource.CLOSED : FakeEventSource.CONNECTING;
    this.onerror?.(new Event('error'));
  }

  get isClosed() {
    return this.readyState === FakeEventSource.CLOSED;
  }
}

/** Puts FakeEventSource in place of the global EventSource; returns a function that takes it away again. */
export function installFakeEventSource(): () => void {
  FakeEventSource.instances = [];
  const global = globalThis as { EventSource?: unknown };
  const previous = global.EventSource;
  global.EventSource = FakeEventSource;
  return () => {
    global.EventSource = previous;
  };
}

/** The stream the page holds open now (the newest one that is not closed). */
export function currentEventSource(): FakeEventSource {
  const open = FakeEventSource.instances.filter((source) => !source.isClosed);
  const source = open[open.length - 1];
  if (!source) {
    throw new Error('no open EventSource');
  }
  return source;
}

/** Puts FakeEventSource in place for every test of the surrounding describe block, with no streams left over. */
export function withFakeEventSource() {
  let uninstall: () => void = () => {};
  beforeEach(() => {
    uninstall = installFakeEventSource();
  });
  afterEach(() => uninstall());
}
