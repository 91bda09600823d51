import { useCallback, useEffect, useState } from 'react';
import { ApiError, toApiError } from '../api';

export type AsyncData<T> =
  | { status: 'loading'; data: undefined; error: null }
  | { status: 'success'; data: T; error: null }
  | { status: 'error'; data: undefined; error: ApiError };

type Settled<T> = { load: () => Promise<T>; attempt: number } & (
  { ok: true; data: T } | { ok: false; error: ApiError }
);

/**
 * Runs `load` (memoize it with useCallback: a new function means new data, e.g. another project) and reports
 * loading, success or error. Only the answer to the latest `load` lands; older answers are dropped.
 */
export function useAsyncData<T>(load: () => Promise<T>): AsyncData<T> & { reload: () => void } {
  const [attempt, setAttempt] = useState(0);
  const [settled, setSettled] = useState<Settled<T> | null>(null);

  useEffect(() => {
    let isCurrent = true;
    load().then(
      (data) => isCurrent && setSettled({ load, attempt, ok: true, data }),
      (error) => isCurrent && setSettled({ load, attempt, ok: false, error: toApiError(error) })
    );
    return () => {
      isCurrent = false;
    };
  }, [load, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);

  // Loading is derived rather than stored: whatever settled for an older `load` or attempt does not count.
  if (!settled || settled.load !== load || settled.attempt !== attempt) {
    return { status: 'loading', data: undefined, error: null, reload };
  }
  return settled.ok
    ? { status: 'success', data: settled.data, error: null, reload }
    : { status: 'error', data: undefined, error: settled.error, reload };
}
