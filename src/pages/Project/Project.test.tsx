import React from 'react';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { config, type BackendSrvRequest } from '@grafana/runtime';
import type { Project as ProjectType, ProjectMember } from '../../api';
import { testIds } from '../../components/testIds';
import { answer, makeProject, projectRoutes, routeSidecar, sidecarError } from '../../testing/fakeSidecar';
import { renderPage, storeHandle } from '../../testing/renderPage';
import Project from './Project';

const mockFetch = jest.fn();

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

function member(userId: number, login: string, role: ProjectMember['role']): ProjectMember {
  return {
    userId,
    login,
    role,
    createdBy: 'user:1',
    createdAt: '2025-03-01T09:00:00.000Z',
    updatedAt: '2025-03-01T09:00:00.000Z',
  };
}

const requests = (method: string, suffix: string) =>
  mockFetch.mock.calls
    .map(([request]: [BackendSrvRequest]) => request)
    .filter((r) => (r.method ?? 'GET') === method && r.url.endsWith(suffix));

function serve(project: ProjectType, members: ProjectMember[], extra: Parameters<typeof routeSidecar>[0] = {}) {
  mockFetch.mockImplementation(
    routeSidecar({
      ...projectRoutes([project]),
      [`GET /projects/${project.id}`]: answer(project),
      [`GET /projects/${project.id}/members`]: answer({ items: members }),
      ...extra,
    })
  );
}

describe('Project page', () => {
  beforeEach(() => {
    mockFetch.mockReset();
    window.localStorage.clear();
    config.bootData.user.orgId = 1;
  });

  it('shows a viewer the project and its overrides read-only', async () => {
    const project = makeProject({ name: 'Payments', description: 'Card payments', teamId: 12, role: 'viewer' });
    serve(project, [member(42, 'bob', 'admin')]);
    renderPage(<Project />);

    const details = await screen.findByTestId(testIds.project.details);
    expect(within(details).getByTestId(testIds.project.detailName)).toHaveTextContent('Payments');
    expect(within(details).getByTestId(testIds.project.detailDescription)).toHaveTextContent('Card payments');
    expect(within(details).getByTestId(testIds.project.detailTeamId)).toHaveTextContent('12');
    expect(within(details).getByTestId(testIds.project.detailActive)).toHaveTextContent('Active');
    expect(screen.getByTestId(testIds.project.role)).toHaveTextContent('viewer');

    const row = await screen.findByTestId(testIds.members.row);
    expect(row).toHaveTextContent('bob');
    expect(row).toHaveTextContent('admin');

    // No write controls at all, not even disabled ones.
    expect(screen.queryByTestId(testIds.project.editForm)).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.project.saveButton)).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.members.addForm)).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.members.roleSelect)).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.members.removeButton)).not.toBeInTheDocument();
    expect(screen.queryAllByRole('button')).toHaveLength(0);
    expect(requests('GET', `/projects/${project.id}`)[0].headers).toEqual({ 'X-Project-Id': project.id });
  });

  it('shows an engineer no write controls either', async () => {
    const project = makeProject({ role: 'engineer' });
    serve(project, []);
    renderPage(<Project />);

    expect(await screen.findByTestId(testIds.members.empty)).toHaveTextContent('No role overrides');
    expect(screen.getByTestId(testIds.project.role)).toHaveTextContent('engineer');
    expect(screen.queryByTestId(testIds.project.editForm)).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.members.addForm)).not.toBeInTheDocument();
  });

  it('lets an admin edit the project, sending only what changed', async () => {
    const project = makeProject({ name: 'Payments', description: '', role: 'admin' });
    const saved = { ...project, name: 'Payments EU', isActive: false };
    serve(project, [], { [`PATCH /projects/${project.id}`]: answer(saved) });
    renderPage(<Project />);

    const form = await screen.findByTestId(testIds.project.editForm);
    expect(screen.getByTestId(testIds.project.saveButton)).toBeDisabled();
    fireEvent.change(within(form).getByTestId(testIds.project.nameInput), { target: { value: ' Payments EU ' } });
    fireEvent.click(within(form).getByTestId(testIds.project.activeSwitch));
    fireEvent.click(screen.getByTestId(testIds.project.saveButton));

    expect(await screen.findByTestId(testIds.project.saveSuccess)).toBeInTheDocument();
    const [patch] = requests('PATCH', `/projects/${project.id}`);
    expect(patch.data).toEqual({ name: 'Payments EU', isActive: false });
    expect(patch.headers).toEqual({ 'X-Project-Id': project.id });
    expect(screen.getByTestId(testIds.project.detailName)).toHaveTextContent('Payments EU');
    expect(screen.getByTestId(testIds.project.detailActive)).toHaveTextContent('Inactive');
    // The switcher and every other view of the project see the new name.
    expect(storeHandle.current?.projects[0].name).toBe('Payments EU');
  });

  it("shows the sidecar's reason when saving fails", async () => {
    const project = makeProject({ role: 'admin' });
    serve(project, [], {
      [`PATCH /projects/${project.id}`]: sidecarError(400, 'bad_request', 'name: Too big', 'req-9'),
    });
    renderPage(<Project />);

    fireEvent.change(await screen.findByTestId(testIds.project.descriptionInput), { target: { value: 'New' } });
    fireEvent.click(screen.getByTestId(testIds.project.saveButton));

    expect(await screen.findByTestId(testIds.project.saveError)).toHaveTextContent('name: Too big');
  });

  it('lets an admin add, change and remove overrides, but not touch an owner', async () => {
    const project = makeProject({ role: 'admin' });
    serve(project, [member(42, 'bob', 'viewer'), member(43, 'carol', 'owner')], {
      [`PUT /projects/${project.id}/members/42`]: (request) => answer(member(42, 'bob', request.data.role))(request),
      [`PUT /projects/${project.id}/members/44`]: (request) =>
        answer(member(44, request.data.login, request.data.role))(request),
      [`DELETE /projects/${project.id}/members/42`]: answer(''),
    });
    renderPage(<Project />);

    const rows = await screen.findAllByTestId(testIds.members.row);
    const [bob, carol] = rows;
    expect(bob).toHaveAttribute('data-user-id', '42');
    // An admin may not grant owner, nor change or remove an owner's override.
    expect(within(bob).queryByRole('radio', { name: 'owner' })).not.toBeInTheDocument();
    expect(within(carol).queryByTestId(testIds.members.roleSelect)).not.toBeInTheDocument();
    expect(within(carol).queryByTestId(testIds.members.removeButton)).not.toBeInTheDocument();

    // Change
    fireEvent.click(
      within(within(bob).getByTestId(testIds.members.roleSelect)).getByRole('radio', { name: 'engineer' })
    );
    await waitFor(() => expect(requests('PUT', '/members/42')).toHaveLength(1));
    expect(requests('PUT', '/members/42')[0].data).toEqual({ role: 'engineer', login: 'bob' });
    await waitFor(() =>
      expect(
        within(screen.getAllByTestId(testIds.members.row)[0]).getByRole('radio', { name: 'engineer' })
      ).toBeChecked()
    );

    // Add
    const form = screen.getByTestId(testIds.members.addForm);
    fireEvent.change(within(form).getByTestId(testIds.members.addUserId), { target: { value: '44' } });
    fireEvent.change(within(form).getByTestId(testIds.members.addLogin), { target: { value: 'dave' } });
    fireEvent.click(within(screen.getByTestId(testIds.members.addRole)).getByRole('radio', { name: 'admin' }));
    fireEvent.click(within(form).getByTestId(testIds.members.addSubmit));
    await waitFor(() => expect(screen.getAllByTestId(testIds.members.row)).toHaveLength(3));
    expect(requests('PUT', '/members/44')[0].data).toEqual({ role: 'admin', login: 'dave' });
    expect(within(form).getByTestId(testIds.members.addUserId)).toHaveValue('');

    // Remove
    fireEvent.click(within(screen.getAllByTestId(testIds.members.row)[0]).getByTestId(testIds.members.removeButton));
    await waitFor(() => expect(screen.getAllByTestId(testIds.members.row)).toHaveLength(2));
    expect(screen.getAllByTestId(testIds.members.row).map((r) => r.getAttribute('data-user-id'))).toEqual(['43', '44']);
  });

  it("takes in the caller's new role after they change their own override", async () => {
    const project = makeProject({ role: 'admin' });
    // The caller (user 7) is admin by override; removing it leaves them a viewer.
    serve(project, [member(7, 'alice', 'admin')], {
      [`DELETE /projects/${project.id}/members/7`]: (request) => {
        project.role = 'viewer';
        return answer('')(request);
      },
    });
    renderPage(<Project />);

    const row = await screen.findByTestId(testIds.members.row);
    fireEvent.click(within(row).getByTestId(testIds.members.removeButton));

    await waitFor(() => expect(screen.getByTestId(testIds.project.role)).toHaveTextContent('viewer'));
    expect(requests('POST', '/auth/switch-project')).toHaveLength(2);
    expect(screen.queryByTestId(testIds.project.editForm)).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.members.addForm)).not.toBeInTheDocument();
  });

  it('lets an owner grant owner', async () => {
    const project = makeProject({ role: 'owner' });
    serve(project, []);
    renderPage(<Project />);

    const roles = await screen.findByTestId(testIds.members.addRole);
    expect(within(roles).getByRole('radio', { name: 'owner' })).toBeInTheDocument();
  });

  it('shows why a role could not be set', async () => {
    const project = makeProject({ role: 'admin' });
    serve(project, [], {
      [`PUT /projects/${project.id}/members/5`]: sidecarError(
        403,
        'forbidden',
        'your role (admin) cannot change a owner'
      ),
    });
    renderPage(<Project />);

    const form = await screen.findByTestId(testIds.members.addForm);
    fireEvent.change(within(form).getByTestId(testIds.members.addUserId), { target: { value: '5' } });
    fireEvent.click(within(form).getByTestId(testIds.members.addSubmit));

    expect(await screen.findByTestId(testIds.members.addError)).toHaveTextContent('cannot change a owner');
  });

  it('does not accept a user id that is not a positive whole number', async () => {
    const project = makeProject({ role: 'admin' });
    serve(project, []);
    renderPage(<Project />);

    const form = await screen.findByTestId(testIds.members.addForm);
    fireEvent.change(within(form).getByTestId(testIds.members.addUserId), { target: { value: '4.5' } });

    expect(within(form).getByText('A positive whole number')).toBeInTheDocument();
    expect(within(form).getByTestId(testIds.members.addSubmit)).toBeDisabled();
  });

  it('shows loading, then the error, of the project and of its overrides', async () => {
    const project = makeProject({ role: 'viewer' });
    serve(project, [], {
      [`GET /projects/${project.id}/members`]: sidecarError(503, 'unavailable', 'Grafana teams API unavailable'),
    });
    renderPage(<Project />);

    expect(await screen.findByTestId(testIds.project.loading)).toBeInTheDocument();
    expect(await screen.findByTestId(testIds.members.error)).toHaveTextContent('Grafana teams API unavailable');

    serve(project, [], { [`GET /projects/${project.id}`]: sidecarError(404, 'not_found', 'project not found') });
    act(() => storeHandle.current?.reload());
    expect(await screen.findByTestId(testIds.project.error)).toHaveTextContent('project not found');
  });
});
