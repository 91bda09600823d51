import React from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { config } from '@grafana/runtime';
import { ProjectStoreProvider } from '../../project/projectStore';
import { giveElementsASize } from '../../testing/elementSize';
import { makeProject, projectRoutes, routeSidecar, sidecarError } from '../../testing/fakeSidecar';
import { testIds } from '../testIds';
import { ProjectSwitcher } from './ProjectSwitcher';

const mockFetch = jest.fn();

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

function renderSwitcher() {
  render(
    <ProjectStoreProvider isConfigured>
      <ProjectSwitcher />
    </ProjectStoreProvider>
  );
}

describe('ProjectSwitcher', () => {
  const payments = makeProject({ name: 'Payments', role: 'admin' });
  const checkout = makeProject({ name: 'Checkout', role: 'viewer', isActive: false });

  // The options list is virtualised: it renders as many options as fit its measured size.
  giveElementsASize();

  beforeEach(() => {
    mockFetch.mockReset();
    window.localStorage.clear();
    config.bootData.user.orgId = 1;
  });

  it('shows the current project and the caller role', async () => {
    mockFetch.mockImplementation(routeSidecar(projectRoutes([payments, checkout])));
    renderSwitcher();

    expect(screen.getByTestId(testIds.projectSwitcher.loading)).toBeInTheDocument();
    expect(await screen.findByTestId(testIds.projectSwitcher.select)).toHaveValue('Payments');
    expect(screen.getByTestId(testIds.projectSwitcher.role)).toHaveTextContent('Your role: admin');
  });

  it("lists the caller's projects with their role and switches to the one picked", async () => {
    mockFetch.mockImplementation(routeSidecar(projectRoutes([payments, checkout])));
    renderSwitcher();
    const select = await screen.findByTestId(testIds.projectSwitcher.select);

    await act(async () => fireEvent.click(select));
    const option = await screen.findByRole('option', { name: /Checkout/ });
    expect(option).toHaveTextContent('Your role: viewer · inactive');
    await act(async () => fireEvent.click(option));

    await waitFor(() => expect(screen.getByTestId(testIds.projectSwitcher.role)).toHaveTextContent('viewer'));
    expect(screen.getByTestId(testIds.projectSwitcher.select)).toHaveValue('Checkout');
  });

  it('says so when the caller is in no project', async () => {
    mockFetch.mockImplementation(routeSidecar(projectRoutes([])));
    renderSwitcher();

    expect(await screen.findByTestId(testIds.projectSwitcher.empty)).toHaveTextContent(
      'You are not in any project: ask an org admin'
    );
  });

  it('shows why the projects could not be loaded', async () => {
    mockFetch.mockImplementation(
      routeSidecar({ 'GET /projects': sidecarError(401, 'unauthorized', 'shared secret does not match') })
    );
    renderSwitcher();

    expect(await screen.findByTestId(testIds.projectSwitcher.loadError)).toHaveTextContent(
      'shared secret does not match'
    );
  });
});
