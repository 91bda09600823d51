import React from 'react';
import { render, screen } from '@testing-library/react';
import { config } from '@grafana/runtime';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { PLUGIN_BASE_URL, PLUGIN_CONFIG_URL, ROUTES } from '../../constants';
import { appRootProps } from '../../testing/appRootProps';
import { answer, makeProject, projectRoutes, routeSidecar } from '../../testing/fakeSidecar';
import { prefixRoute } from '../../utils/utils.routing';
import type { AppJsonData } from '../../types';
import { testIds } from '../testIds';
import App from './App';

const mockFetch = jest.fn();

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

/** Mounts the app under its base URL, as Grafana does, at `path`. */
function renderApp(path: string, jsonData: AppJsonData = { sidecarUrl: 'http://localhost:8787' }) {
  render(
    <MemoryRouter initialEntries={[path]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
      <Routes>
        <Route path={`${PLUGIN_BASE_URL}/*`} element={<App {...appRootProps(jsonData, path)} />} />
      </Routes>
    </MemoryRouter>
  );
}

const INCIDENT_ID = '5d1e4c8a-0a6b-4f3e-9d7c-2b8a1e6f4c30';

describe('App', () => {
  const payments = makeProject({ name: 'Payments', description: 'Card payments', role: 'engineer' });

  beforeEach(() => {
    mockFetch.mockReset();
    mockFetch.mockImplementation(
      routeSidecar({
        ...projectRoutes([payments]),
        'GET /audit': answer({ items: [], nextCursor: null }),
        'GET /incidents': answer({ items: [], nextCursor: null }),
        'GET /audit/verify': answer({ ok: true, checked: 0, firstBroken: null }),
        [`GET /projects/${payments.id}`]: answer(payments),
        [`GET /projects/${payments.id}/members`]: answer({ items: [] }),
      })
    );
    window.localStorage.clear();
    config.bootData.user.orgId = 1;
  });

  it('shows the overview and the current project on Home', async () => {
    renderApp(prefixRoute(ROUTES.Home));

    expect(await screen.findByTestId(testIds.home.container)).toHaveTextContent(
      'related alerts open and update incidents'
    );
    const current = await screen.findByTestId(testIds.home.currentProject);
    expect(current).toHaveTextContent('Payments');
    expect(current).toHaveTextContent('Card payments');
    expect(current).toHaveTextContent('Your role: engineer');
  });

  it.each([
    [ROUTES.Incidents, testIds.incidents.container, testIds.incidents.empty],
    [ROUTES.Audit, testIds.audit.container, testIds.audit.empty],
    [ROUTES.Project, testIds.project.container, testIds.project.details],
  ])('routes %s to its page', async (route, pageTestId, contentTestId) => {
    renderApp(prefixRoute(route));

    expect(await screen.findByTestId(pageTestId)).toBeInTheDocument();
    expect(await screen.findByTestId(contentTestId)).toBeInTheDocument();
  });

  it('sends unknown paths to the incidents, the default page', async () => {
    renderApp(`${PLUGIN_BASE_URL}/nowhere`);

    expect(await screen.findByTestId(testIds.incidents.container)).toBeInTheDocument();
  });

  it('routes an incident id to its page', async () => {
    renderApp(`${prefixRoute(ROUTES.Incidents)}/${INCIDENT_ID}`);

    expect(await screen.findByTestId(testIds.incident.container)).toBeInTheDocument();
    expect(await screen.findByTestId(testIds.incident.error)).toHaveTextContent('Incident not found');
  });

  it('points to the configuration page, and asks the sidecar nothing, until the sidecar URL is set', async () => {
    renderApp(prefixRoute(ROUTES.Audit), {});

    const notice = await screen.findByTestId(testIds.projectState.notConfigured);
    expect(screen.getByRole('link', { name: /plugin configuration page/ })).toHaveAttribute('href', PLUGIN_CONFIG_URL);
    expect(notice).toBeInTheDocument();
    expect(mockFetch).not.toHaveBeenCalled();
  });
});
