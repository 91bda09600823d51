import React, { useEffect, useState } from 'react';
import { PluginContextProvider, type AppPlugin, type KeyValue, type NavModel } from '@grafana/data';
import { locationSearchToObject } from '@grafana/runtime';
import { Alert, ErrorBoundaryAlert, LoadingPlaceholder } from '@grafana/ui';
import { useLocation, useParams } from 'react-router';
import { appSection } from './chrome.tsx';
import { appPluginPageError, getPluginSettings, importAppPlugin } from './load-plugin.ts';
import { HostPage, PluginSectionContext } from './plugin-page.tsx';

type State =
  { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; plugin: AppPlugin<KeyValue> };

/** Grafana's AppRootPage: settings → module → `plugin.root` under /a/<id>/, inside the plugin's context. */
export function AppRootPage() {
  const { pluginId = '' } = useParams();
  const location = useLocation();
  const [state, setState] = useState<State>({ status: 'loading' });
  const [, setNav] = useState<NavModel | undefined>();

  useEffect(() => {
    let cancelled = false;
    setState({ status: 'loading' });
    getPluginSettings(pluginId)
      .then(async (meta) => {
        const error = appPluginPageError(meta);
        if (error) {
          return { status: 'error', message: error } as const;
        }
        const plugin = await importAppPlugin(meta);
        return plugin.root
          ? ({ status: 'ready', plugin } as const)
          : ({ status: 'error', message: 'No root app page component found' } as const);
      })
      .catch((error: unknown) => {
        console.error(`stand-in host: loading app ${pluginId} failed`, error);
        const message =
          (error as { data?: { message?: string } })?.data?.message ?? (error as Error)?.message ?? String(error);
        return { status: 'error', message } as const;
      })
      .then((next) => {
        if (!cancelled) {
          setState(next);
        }
      });
    return () => {
      cancelled = true;
    };
  }, [pluginId]);

  if (state.status === 'loading') {
    return (
      <HostPage title="">
        <LoadingPlaceholder text="Loading plugin..." />
      </HostPage>
    );
  }
  if (state.status === 'error') {
    return (
      <HostPage title={state.message}>
        <Alert severity="error" title={state.message} />
      </HostPage>
    );
  }
  const { plugin } = state;
  const Root = plugin.root!;
  return (
    <PluginSectionContext.Provider value={appSection(pluginId)}>
      <PluginContextProvider meta={plugin.meta}>
        <ErrorBoundaryAlert style="page">
          <Root
            meta={plugin.meta}
            basename={`/a/${pluginId}`}
            onNavChanged={setNav}
            query={locationSearchToObject(location.search) as KeyValue}
            path={location.pathname}
          />
        </ErrorBoundaryAlert>
      </PluginContextProvider>
    </PluginSectionContext.Provider>
  );
}
