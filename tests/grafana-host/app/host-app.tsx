import React, { useEffect, useLayoutEffect, useState, type ReactNode } from 'react';
import { ThemeContext } from '@grafana/data';
import { LocationServiceProvider, config, locationService } from '@grafana/runtime';
import { GlobalStyles, PortalContainer } from '@grafana/ui';
import { Route, Router, Routes, useLocation, type NavigationType, type Navigator } from 'react-router';
import { AppRootPage } from './app-root-page.tsx';
import { Chrome } from './chrome.tsx';
import { Notifications } from './notifications.tsx';
import { PluginDetailsPage } from './plugin-details-page.tsx';
import { AppsPage, HomePage, NotFoundPage, PluginsPage } from './simple-pages.tsx';

type HistoryLocation = { pathname: string; search: string; hash: string; state: unknown; key?: string };

/** react-router v6 driven by runtime's locationService (history v4), as Grafana's AppWrapper does. */
function HistoryRouter({ children }: { children: ReactNode }) {
  const history = locationService.getHistory();
  const [state, setState] = useState({ location: history.location as HistoryLocation, action: String(history.action) });
  useLayoutEffect(
    () => history.listen((location: HistoryLocation, action: string) => setState({ location, action })),
    [history]
  );
  return (
    <Router
      location={state.location}
      navigationType={state.action as NavigationType}
      navigator={history as unknown as Navigator}
    >
      {children}
    </Router>
  );
}

/**
 * Grafana's interceptLinkClicks: a plain same-app link navigates through locationService instead of reloading.
 */
function interceptLinkClicks(event: MouseEvent) {
  if (event.ctrlKey || event.metaKey || event.defaultPrevented) {
    return;
  }
  const anchor = event.target instanceof Element ? event.target.closest('a') : null;
  let href = anchor?.getAttribute('href');
  if (!anchor || !href || anchor.getAttribute('target')) {
    return;
  }
  if (href.startsWith(window.location.origin)) {
    href = href.slice(window.location.origin.length) || '/';
  }
  if (href[0] !== '/') {
    if (href.includes('://') || /^\s*mailto:/i.test(href)) {
      return;
    }
    if (href.startsWith('#')) {
      event.preventDefault();
      window.location.hash = href;
      return;
    }
    href = `/${href}`;
  }
  // Server routes (sign-in, API, assets) are not app pages.
  if (/^\/(login|logout|api\/|public\/)/.test(href)) {
    return;
  }
  event.preventDefault();
  locationService.push(href);
}

/** `locationService.reload()` bumps a counter in the history state: the page remounts and loads again. */
function ReloadableRoutes() {
  const location = useLocation();
  const reloadKey = (location.state as { routeReloadCounter?: number } | null)?.routeReloadCounter ?? 0;
  return (
    <Routes key={reloadKey}>
      <Route path="/a/:pluginId/*" element={<AppRootPage />} />
      <Route path="/plugins/:pluginId" element={<PluginDetailsPage />} />
      <Route path="/plugins" element={<PluginsPage />} />
      <Route path="/apps" element={<AppsPage />} />
      <Route path="/" element={<HomePage />} />
      <Route path="*" element={<NotFoundPage />} />
    </Routes>
  );
}

export function HostApp() {
  useEffect(() => {
    document.addEventListener('click', interceptLinkClicks);
    return () => document.removeEventListener('click', interceptLinkClicks);
  }, []);
  return (
    <ThemeContext.Provider value={config.theme2}>
      <GlobalStyles />
      <LocationServiceProvider service={locationService}>
        <HistoryRouter>
          <Chrome>
            <ReloadableRoutes />
          </Chrome>
          <Notifications />
        </HistoryRouter>
      </LocationServiceProvider>
      <PortalContainer />
    </ThemeContext.Provider>
  );
}
