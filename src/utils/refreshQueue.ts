/** Collects refresh requests and runs them together. */
export interface RefreshQueue<K> {
  /** Asks for `key` to be refreshed soon; asking again before the run is free. */
  request: (key: K) => void;
  /** Drops what is pending and runs nothing more (the component went away). */
  stop: () => void;
}

/**
 * Live events come in bursts (an alert storm touches one incident many times a second): requests are gathered for
 * `delayMs` and run as one `run(keys)`, and runs never overlap: what is asked for during a run waits for the next.
 * A failed run is dropped; the next request runs again.
 */
export function createRefreshQueue<K>(run: (keys: Set<K>) => Promise<void>, delayMs = 200): RefreshQueue<K> {
  let pending = new Set<K>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let isRunning = false;
  let isStopped = false;

  const schedule = () => {
    if (timer !== undefined || isRunning || isStopped || pending.size === 0) {
      return;
    }
    timer = setTimeout(async () => {
      timer = undefined;
      const keys = pending;
      pending = new Set<K>();
      isRunning = true;
      try {
        await run(keys);
      } catch {
        // Refreshing is best effort: the page keeps what it shows, and the next event or a reload catches up.
      } finally {
        isRunning = false;
        schedule();
      }
    }, delayMs);
  };

  return {
    request: (key) => {
      pending.add(key);
      schedule();
    },
    stop: () => {
      isStopped = true;
      pending.clear();
      clearTimeout(timer);
    },
  };
}
