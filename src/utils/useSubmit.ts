import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, toApiError } from '../api';

export interface SubmitOptions<T, A extends unknown[]> {
  /** Called with the action's result and the arguments it was submitted with, while the component is mounted. */
  onSuccess?: (result: T, ...args: A) => void;
  /** Called after the error is set, e.g. to reload what a conflict says is stale. */
  onError?: (error: ApiError, ...args: A) => void;
}

export interface Submission<A extends unknown[]> {
  /**
   * Runs the action, unless one is still in flight: a second click or Enter does not send the request twice. A
   * failed action does not reject: its error lands in `error`.
   */
  submit: (...args: A) => Promise<void>;
  /** True from `submit` until the action settles. */
  submitting: boolean;
  /** The last failure, kept until the next `submit` or `reset`. */
  error: ApiError | null;
  /** Forgets the last failure, e.g. when the form is opened again. */
  reset: () => void;
}

type Outcome<T> = { ok: true; result: T } | { ok: false; error: ApiError };

/**
 * The write-side partner of useAsyncData: runs `action` on submit and reports whether it is in flight and why it
 * failed. Results that arrive after the component unmounted are dropped, callbacks included: the form they belong
 * to is gone.
 */
export function useSubmit<T, A extends unknown[] = []>(
  action: (...args: A) => Promise<T>,
  options: SubmitOptions<T, A> = {}
): Submission<A> {
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  // Refs rather than state: two submits within one render must see each other, and unmount leaves no render.
  const inFlight = useRef(false);
  const isMounted = useRef(false);

  useEffect(() => {
    isMounted.current = true;
    return () => {
      isMounted.current = false;
    };
  }, []);

  const { onSuccess, onError } = options;

  const submit = async (...args: A): Promise<void> => {
    if (inFlight.current) {
      return;
    }
    inFlight.current = true;
    setSubmitting(true);
    setError(null);
    let outcome: Outcome<T>;
    try {
      outcome = { ok: true, result: await action(...args) };
    } catch (err) {
      outcome = { ok: false, error: toApiError(err) };
    } finally {
      inFlight.current = false;
    }
    if (!isMounted.current) {
      return;
    }
    setSubmitting(false);
    // Outside the try: an exception in a callback is a bug of the page, not a failed request to report in the form.
    if (outcome.ok) {
      onSuccess?.(outcome.result, ...args);
    } else {
      setError(outcome.error);
      onError?.(outcome.error, ...args);
    }
  };

  const reset = useCallback(() => setError(null), []);

  return { submit, submitting, error, reset };
}
