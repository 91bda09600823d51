import { useCallback, useEffect, useRef, useState } from 'react';
import { subscribeToProjectEvents, type LiveConnectionState, type LiveEvent } from '../api';

export interface ProjectEventHandlers {
  onEvent: (event: LiveEvent) => void;
  /** The stream is back after an interruption: events may have been missed, so read the data again. */
  onResync: () => void;
}

export interface ProjectEvents {
  connection: LiveConnectionState;
  /** Adds handlers for the project's events; returns the function that removes them. */
  listen: (handlers: ProjectEventHandlers) => () => void;
}

/**
 * One stream of the project's live events for a page, shared by the parts of the page that listen to it (so that
 * changing a filter does not reconnect). Closed when the page unmounts or the project changes.
 */
export function useProjectEvents(projectId: string): ProjectEvents {
  const [connection, setConnection] = useState<LiveConnectionState>('connecting');
  const listeners = useRef(new Set<ProjectEventHandlers>());

  useEffect(() => {
    let wasLive = false;
    let isInterrupted = false;
    return subscribeToProjectEvents(
      projectId,
      (event) => listeners.current.forEach((handlers) => handlers.onEvent(event)),
      (state) => {
        setConnection(state);
        if (state === 'reconnecting') {
          isInterrupted = wasLive;
        } else if (state === 'live') {
          if (isInterrupted) {
            listeners.current.forEach((handlers) => handlers.onResync());
          }
          wasLive = true;
          isInterrupted = false;
        }
      }
    );
  }, [projectId]);

  const listen = useCallback((handlers: ProjectEventHandlers) => {
    listeners.current.add(handlers);
    return () => {
      listeners.current.delete(handlers);
    };
  }, []);

  return { connection, listen };
}

/** Listens to `events` for as long as the component is mounted, always calling the latest handlers. */
export function useProjectEventListener(events: ProjectEvents, handlers: ProjectEventHandlers) {
  const latest = useRef(handlers);
  useEffect(() => {
    latest.current = handlers;
  });
  const { listen } = events;
  useEffect(
    () =>
      listen({
        onEvent: (event) => latest.current.onEvent(event),
        onResync: () => latest.current.onResync(),
      }),
    [listen]
  );
}

/**
 * Whether events arrived while `isLoading` (and forgets them): an answer that was on its way may predate them, so
 * the data is read again once it has loaded.
 */
export function useEventsWhileLoading(events: ProjectEvents, isLoading: boolean): () => boolean {
  const hasMissedEvents = useRef(false);
  const note = () => {
    hasMissedEvents.current ||= isLoading;
  };
  useProjectEventListener(events, { onEvent: note, onResync: note });
  return useCallback(() => {
    const missed = hasMissedEvents.current;
    hasMissedEvents.current = false;
    return missed;
  }, []);
}
