import React, { useEffect, useRef, useState } from 'react';
import type { AppPlugin, AppPluginMeta, KeyValue } from '@grafana/data';
import { Alert, LoadingPlaceholder } from '@grafana/ui';
import { getPluginSettings, importAppPlugin } from './load-plugin.ts';
import { HostPage } from './plugin-page.tsx';

export type AppPluginState =
  { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; plugin: AppPlugin<KeyValue> };

/**
 * An app plugin as Grafana's pages load it: its settings, then its module. `check` may refuse the settings or the
 * loaded plugin with a message (as AppRootPage does for a disabled app or one without a root page); a failed load
 * is logged to the console and shown by its message. Loads again when `pluginId` changes.
 */
export function useAppPlugin(
  pluginId: string,
  what: string,
  check: { meta?: (meta: AppPluginMeta) => string | null; plugin?: (plugin: AppPlugin<KeyValue>) => string | null } = {}
): AppPluginState {
  const [loaded, setLoaded] = useState<{ pluginId: string; state: AppPluginState } | null>(null);
  // The checks are fixed per page (the first ones are kept): only another plugin id loads again.
  const checks = useRef(check);
  useEffect(() => {
    let cancelled = false;
    getPluginSettings(pluginId)
      .then(async (meta): Promise<AppPluginState> => {
        const refused = checks.current.meta?.(meta);
        if (refused) {
          return { status: 'error', message: refused };
        }
        const plugin = await importAppPlugin(meta);
        const unusable = checks.current.plugin?.(plugin);
        return unusable ? { status: 'error', message: unusable } : { status: 'ready', plugin };
      })
      .catch((error: unknown): AppPluginState => {
        console.error(`stand-in host: loading ${what} ${pluginId} failed`, error);
        const message =
          (error as { data?: { message?: string } })?.data?.message ?? (error as Error)?.message ?? String(error);
        return { status: 'error', message };
      })
      .then((next) => {
        if (!cancelled) {
          setLoaded({ pluginId, state: next });
        }
      });
    return () => {
      cancelled = true;
    };
  }, [pluginId, what]);
  // Until the current plugin id's answer is in, it is loading (also right after the id changed).
  return loaded?.pluginId === pluginId ? loaded.state : LOADING;
}

const LOADING: AppPluginState = { status: 'loading' };

/**
 * The page while the plugin loads, or when it failed: Grafana's placeholder, or the error (titled `errorTitle`, else
 * by its message).
 */
export function PluginLoadState({
  state,
  errorTitle,
}: {
  state: Exclude<AppPluginState, { status: 'ready' }>;
  errorTitle?: string;
}) {
  return state.status === 'loading' ? (
    <HostPage title="">
      <LoadingPlaceholder text="Loading plugin..." />
    </HostPage>
  ) : (
    <HostPage title={errorTitle ?? state.message}>
      <Alert severity="error" title={state.message} />
    </HostPage>
  );
}
