import React, { useState } from 'react';
import { PluginContextProvider, type KeyValue, type NavModel } from '@grafana/data';
import { locationSearchToObject } from '@grafana/runtime';
import { ErrorBoundaryAlert } from '@grafana/ui';
import { useLocation, useParams } from 'react-router';
import { appSection } from './chrome.tsx';
import { appPluginPageError } from './load-plugin.ts';
import { PluginLoadState, useAppPlugin } from './use-app-plugin.tsx';
import { PluginSectionContext } from './plugin-page.tsx';

/** Grafana's AppRootPage: settings → module → `plugin.root` under /a/<id>/, inside the plugin's context. */
export function AppRootPage() {
  const { pluginId = '' } = useParams();
  const location = useLocation();
  const state = useAppPlugin(pluginId, 'app', {
    meta: appPluginPageError,
    plugin: (plugin) => (plugin.root ? null : 'No root app page component found'),
  });
  const [, setNav] = useState<NavModel | undefined>();

  if (state.status !== 'ready') {
    return <PluginLoadState state={state} />;
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
