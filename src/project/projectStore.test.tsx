import React, { useEffect } from 'react';
import { act, render, screen, waitFor } from '@testing-library/react';
import { config } from '@grafana/runtime';
import { makeProject, projectRoutes, routeSidecar, sidecarError } from '../testing/fakeSidecar';
import { ProjectStoreProvider, rememberedProjectKey, useProjectStore, type ProjectStore } from './projectStore';

const mockFetch = jest.fn();

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

const ORG_ID = 3;

let store: ProjectStore;

function StoreProbe() {
  const current = useProjectStore();
  useEffect(() => {
    store = current;
  });
  return (
    <div>
      <span data-testid="status">{current.status}</span>
      <span data-testid="current">{current.current?.project.name ?? 'none'}</span>
    </div>
  );
}

function renderStore(isConfigured = true) {
  return render(
    <ProjectStoreProvider isConfigured={isConfigured}>
      <StoreProbe />
    </ProjectStoreProvider>
  );
}

const switchedTo = () =>
  mockFetch.mock.calls
    .filter(([request]) => request.url.endsWith('/auth/switch-project'))
    .map(([r]) => r.data.projectId);

describe('project store', () => {
  const payments = makeProject({ name: 'Payments', role: 'admin' });
  const checkout = makeProject({ name: 'Checkout', role: 'viewer' });

  beforeEach(() => {
    mockFetch.mockReset();
    window.localStorage.clear();
    config.bootData.user.orgId = ORG_ID;
  });

  it('starts with the first project and remembers it for the org', async () => {
    mockFetch.mockImplementation(routeSidecar(projectRoutes([payments, checkout])));
    renderStore();

    expect(screen.getByTestId('status')).toHaveTextContent('loading');
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('ready'));
    expect(screen.getByTestId('current')).toHaveTextContent('Payments');
    expect(store.current?.role).toBe('admin');
    expect(store.projects.map((p) => p.name)).toEqual(['Payments', 'Checkout']);
    expect(window.localStorage.getItem(rememberedProjectKey(ORG_ID))).toBe(payments.id);
  });

  it('picks the remembered project when the caller still has it', async () => {
    window.localStorage.setItem(rememberedProjectKey(ORG_ID), checkout.id);
    mockFetch.mockImplementation(routeSidecar(projectRoutes([payments, checkout])));
    renderStore();

    await waitFor(() => expect(screen.getByTestId('current')).toHaveTextContent('Checkout'));
    expect(switchedTo()).toEqual([checkout.id]);
  });

  it('remembers per org: another org keeps its own choice', async () => {
    window.localStorage.setItem(rememberedProjectKey(ORG_ID + 1), checkout.id);
    mockFetch.mockImplementation(routeSidecar(projectRoutes([payments, checkout])));
    renderStore();

    await waitFor(() => expect(screen.getByTestId('current')).toHaveTextContent('Payments'));
    expect(window.localStorage.getItem(rememberedProjectKey(ORG_ID + 1))).toBe(checkout.id);
  });

  it('falls back to the first project when the remembered one is gone', async () => {
    window.localStorage.setItem(rememberedProjectKey(ORG_ID), '00000000-0000-4000-8000-999999999999');
    mockFetch.mockImplementation(routeSidecar(projectRoutes([payments, checkout])));
    renderStore();

    await waitFor(() => expect(screen.getByTestId('current')).toHaveTextContent('Payments'));
    expect(switchedTo()).toEqual([payments.id]);
    expect(window.localStorage.getItem(rememberedProjectKey(ORG_ID))).toBe(payments.id);
  });

  it('falls back to the first project when the sidecar refuses the remembered one', async () => {
    window.localStorage.setItem(rememberedProjectKey(ORG_ID), checkout.id);
    const routes = projectRoutes([payments, checkout]);
    mockFetch.mockImplementation(
      routeSidecar({
        ...routes,
        'POST /auth/switch-project': (request) =>
          request.data.projectId === checkout.id
            ? sidecarError(404, 'not_found', 'project not found')(request)
            : routes['POST /auth/switch-project'](request),
      })
    );
    renderStore();

    await waitFor(() => expect(screen.getByTestId('current')).toHaveTextContent('Payments'));
    expect(switchedTo()).toEqual([checkout.id, payments.id]);
  });

  it('is empty when the caller is in no project', async () => {
    mockFetch.mockImplementation(routeSidecar(projectRoutes([])));
    renderStore();

    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('empty'));
    expect(switchedTo()).toEqual([]);
  });

  it('reports a failed load and loads again on reload', async () => {
    mockFetch.mockImplementation(
      routeSidecar({ 'GET /projects': sidecarError(503, 'unavailable', 'Grafana API unavailable') })
    );
    renderStore();

    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('error'));
    expect(store.loadError).toMatchObject({ code: 'unavailable', message: 'Grafana API unavailable' });

    mockFetch.mockImplementation(routeSidecar(projectRoutes([payments])));
    act(() => store.reload());
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('ready'));
    expect(store.loadError).toBeNull();
  });

  it('asks nothing while the sidecar is not configured', () => {
    renderStore(false);

    expect(screen.getByTestId('status')).toHaveTextContent('notConfigured');
    expect(mockFetch).not.toHaveBeenCalled();
  });

  it('switches: the new context becomes current and is remembered', async () => {
    mockFetch.mockImplementation(routeSidecar(projectRoutes([payments, checkout])));
    renderStore();
    await waitFor(() => expect(screen.getByTestId('current')).toHaveTextContent('Payments'));

    await act(() => store.switchTo(checkout.id));

    expect(screen.getByTestId('current')).toHaveTextContent('Checkout');
    expect(store.current?.permissions.manageProject).toBe(false);
    expect(store.switchingTo).toBeNull();
    expect(window.localStorage.getItem(rememberedProjectKey(ORG_ID))).toBe(checkout.id);
  });

  it('keeps the current project when a switch fails', async () => {
    const routes = projectRoutes([payments, checkout]);
    mockFetch.mockImplementation(routeSidecar(routes));
    renderStore();
    await waitFor(() => expect(screen.getByTestId('current')).toHaveTextContent('Payments'));

    mockFetch.mockImplementation(
      routeSidecar({ ...routes, 'POST /auth/switch-project': sidecarError(429, 'rate_limited', 'too many requests') })
    );
    await act(() => store.switchTo(checkout.id));

    expect(screen.getByTestId('current')).toHaveTextContent('Payments');
    expect(store.switchError).toMatchObject({ code: 'rate_limited' });
    expect(window.localStorage.getItem(rememberedProjectKey(ORG_ID))).toBe(payments.id);
  });

  it('takes in a changed project everywhere', async () => {
    mockFetch.mockImplementation(routeSidecar(projectRoutes([payments])));
    renderStore();
    await waitFor(() => expect(screen.getByTestId('current')).toHaveTextContent('Payments'));

    act(() => store.projectChanged({ ...payments, name: 'Payments EU' }));

    expect(screen.getByTestId('current')).toHaveTextContent('Payments EU');
    expect(store.projects[0].name).toBe('Payments EU');
  });
});
