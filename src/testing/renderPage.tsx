import React, { useEffect } from 'react';
import { configure, render } from '@testing-library/react';
import { MemoryRouter, Route, Routes, useLocation, type Location } from 'react-router-dom';
import { ProjectStoreProvider, useProjectStore, type ProjectStore } from '../project/projectStore';
import type { AppJsonData } from '../types';
import { PluginPropsContext } from '../utils/utils.plugin';
import { appRootProps } from './appRootProps';

// Page tests render Grafana's UI in jsdom: on a busy machine the first render alone can take longer than the default
// second that findBy… and waitFor wait.
configure({ asyncUtilTimeout: 4000 });

/** The store as the page sees it, updated on every render, for tests to act on (e.g. switch projects). */
export const storeHandle: { current: ProjectStore | null } = { current: null };

/** Where the page's router is, updated on every render, for tests of navigation. */
export const locationHandle: { current: Location | null } = { current: null };

function Handles() {
  const store = useProjectStore();
  const location = useLocation();
  useEffect(() => {
    storeHandle.current = store;
    locationHandle.current = location;
  });
  return null;
}

interface RenderPageOptions {
  /** The address the router starts at. */
  path?: string;
  /** The route pattern the page is mounted under, for pages that read route parameters. */
  route?: string;
  /** The app's settings, as Grafana hands them to the app. */
  jsonData?: AppJsonData;
}

/** Renders a page as the app does: inside the router, the app's root props and the project store. */
export function renderPage(page: React.ReactElement, { path = '/', route, jsonData = {} }: RenderPageOptions = {}) {
  return render(
    <MemoryRouter initialEntries={[path]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
      <PluginPropsContext.Provider value={appRootProps(jsonData, path)}>
        <ProjectStoreProvider isConfigured>
          <Handles />
          {route ? (
            <Routes>
              <Route path={route} element={page} />
              <Route path="*" element={null} />
            </Routes>
          ) : (
            page
          )}
        </ProjectStoreProvider>
      </PluginPropsContext.Provider>
    </MemoryRouter>
  );
}
