import React from 'react';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { dateTimeFormat } from '@grafana/data';
import { config, type BackendSrvRequest } from '@grafana/runtime';
import type { CreatedIngestToken, Project as ProjectType, ProjectMember } from '../../api';
import { testIds } from '../../components/testIds';
import { makeIngestToken } from '../../testing/fakeIncidents';
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
      'GET /ingest-tokens': answer({ items: [] }),
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
    expect(screen.queryByTestId(testIds.ingestTokens.container)).not.toBeInTheDocument();
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
    expect(screen.queryByTestId(testIds.ingestTokens.container)).not.toBeInTheDocument();
    expect(requests('GET', '/ingest-tokens')).toHaveLength(0);
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

  describe('ingest tokens', () => {
    const SIDECAR_URL = 'http://sidecar.internal:8787';

    it("lists an admin the project's tokens, without the tokens themselves", async () => {
      const project = makeProject({ role: 'admin' });
      const hmacToken = makeIngestToken({
        id: '20000000-0000-4000-8000-000000000002',
        name: 'grafana',
        prefix: 'sct_def456',
        hmac: { header: 'X-Grafana-Alerting-Signature', timestampHeader: null, toleranceSeconds: 300 },
      });
      const revoked = makeIngestToken({
        id: '20000000-0000-4000-8000-000000000003',
        name: 'old',
        revokedAt: '2025-03-02T09:00:00.000Z',
      });
      serve(project, [], { 'GET /ingest-tokens': answer({ items: [makeIngestToken(), hmacToken, revoked] }) });
      renderPage(<Project />);

      const rows = await screen.findAllByTestId(testIds.ingestTokens.row);
      expect(rows.map((row) => row.getAttribute('data-revoked'))).toEqual(['false', 'false', 'true']);
      expect(rows[0]).toHaveTextContent('prod-alertmanager');
      expect(rows[0]).toHaveTextContent('sct_abc123…');
      expect(rows[0]).toHaveTextContent('No');
      expect(rows[1]).toHaveTextContent('YesX-Grafana-Alerting-Signature');
      expect(rows[2]).toHaveTextContent('Revoked 2025-03-02 09:00:00');
      expect(within(rows[2]).queryByTestId(testIds.ingestTokens.revokeButton)).not.toBeInTheDocument();
      expect(requests('GET', '/ingest-tokens')[0].headers).toEqual({ 'X-Project-Id': project.id });
    });

    it("shows each token's last delivery: when, on which route, and whether it was Grafana's test", async () => {
      const project = makeProject({ role: 'admin' });
      const recentAt = new Date(Date.now() - 5 * 60_000 - 10_000);
      const tokens = [
        makeIngestToken(),
        makeIngestToken({
          id: '20000000-0000-4000-8000-000000000002',
          name: 'grafana',
          lastDelivery: { at: recentAt.toISOString(), route: 'grafana', test: true },
        }),
        makeIngestToken({
          id: '20000000-0000-4000-8000-000000000003',
          name: 'search',
          lastDelivery: { at: new Date(Date.now() - 3 * 3_600_000).toISOString(), route: 'signals', test: false },
        }),
      ];
      serve(project, [], { 'GET /ingest-tokens': answer({ items: tokens }) });
      renderPage(<Project />);

      const table = await screen.findByTestId(testIds.ingestTokens.table);
      expect(within(table).getByRole('columnheader', { name: 'Last delivery' })).toBeInTheDocument();
      const [never, tested, delivered] = screen
        .getAllByTestId(testIds.ingestTokens.row)
        .map((row) => within(row).getByTestId(testIds.ingestTokens.lastDelivery));
      expect(never).toHaveTextContent('never');
      expect(within(never.closest('td')!).queryByTestId(testIds.ingestTokens.lastDeliveryTest)).toBeNull();

      // The age is taken when the table renders, a moment after the delivery time was made.
      expect(tested).toHaveTextContent(/^5m 1\ds ago$/);
      expect(tested).toHaveAttribute('title', dateTimeFormat(recentAt.toISOString()));
      expect(tested).toHaveAttribute('data-route', 'grafana');
      expect(tested).toHaveAttribute('data-test', 'true');
      const testedCell = tested.closest('td')!;
      expect(testedCell).toHaveTextContent('Grafana webhook');
      expect(within(testedCell).getByTestId(testIds.ingestTokens.lastDeliveryTest)).toHaveTextContent('test');

      expect(delivered).toHaveTextContent('3h ago');
      expect(delivered).toHaveAttribute('data-test', 'false');
      const deliveredCell = delivered.closest('td')!;
      expect(deliveredCell).toHaveTextContent('Signals API');
      expect(within(deliveredCell).queryByTestId(testIds.ingestTokens.lastDeliveryTest)).toBeNull();
    });

    it('shows a new token with an HMAC secret once, with configuration for Grafana and signed requests', async () => {
      const project = makeProject({ role: 'admin', slug: 'payments' });
      const created: CreatedIngestToken = {
        ...makeIngestToken({
          name: 'grafana-prod',
          hmac: {
            header: 'X-Grafana-Alerting-Signature',
            timestampHeader: 'X-Grafana-Alerting-Timestamp',
            toleranceSeconds: 300,
          },
        }),
        token: 'sct_the-whole-secret-token',
      };
      serve(project, [], { 'POST /ingest-tokens': answer(created) });
      renderPage(<Project />, { jsonData: { sidecarUrl: SIDECAR_URL } });

      const form = await screen.findByTestId(testIds.ingestTokens.createForm);
      expect(await screen.findByTestId(testIds.ingestTokens.empty)).toHaveTextContent('No ingest tokens yet');
      expect(within(form).getByTestId(testIds.ingestTokens.createSubmit)).toBeDisabled();
      fireEvent.change(within(form).getByTestId(testIds.ingestTokens.nameInput), {
        target: { value: ' grafana-prod ' },
      });
      fireEvent.click(within(form).getByTestId(testIds.ingestTokens.hmacSwitch));
      fireEvent.change(within(form).getByTestId(testIds.ingestTokens.hmacSecretInput), { target: { value: 'short' } });
      expect(within(form).getByTestId(testIds.ingestTokens.createSubmit)).toBeDisabled();
      fireEvent.change(within(form).getByTestId(testIds.ingestTokens.hmacSecretInput), {
        target: { value: 'a-long-enough-hmac-secret' },
      });
      fireEvent.change(within(form).getByTestId(testIds.ingestTokens.timestampHeaderInput), {
        target: { value: 'X-Grafana-Alerting-Timestamp' },
      });
      fireEvent.click(within(form).getByTestId(testIds.ingestTokens.createSubmit));

      const panel = await screen.findByTestId(testIds.ingestTokens.created);
      expect(requests('POST', '/ingest-tokens')[0].data).toEqual({
        name: 'grafana-prod',
        hmacSecret: 'a-long-enough-hmac-secret',
        timestampHeader: 'X-Grafana-Alerting-Timestamp',
      });
      expect(within(panel).getByTestId(testIds.ingestTokens.createdToken)).toHaveValue('sct_the-whole-secret-token');
      expect(within(panel).getByTestId(testIds.ingestTokens.copyToken)).toBeInTheDocument();
      // Alertmanager cannot sign, and the sidecar refuses a signed token on its route: no snippet, but the reason.
      expect(within(panel).queryByTestId(testIds.ingestTokens.alertmanagerSnippet)).not.toBeInTheDocument();
      expect(within(panel).getByTestId(testIds.ingestTokens.alertmanagerUnsigned)).toHaveTextContent(
        'Alertmanager cannot sign its webhooks, so the sidecar refuses this token on the Alertmanager route'
      );
      const signals = within(panel).getByTestId(testIds.ingestTokens.signedSignalsSnippet);
      expect(signals).toHaveTextContent(`SIDECAR_URL='${SIDECAR_URL}'`);
      expect(signals).toHaveTextContent("INGEST_TOKEN='sct_the-whole-secret-token'");
      expect(signals).toHaveTextContent("HMAC_SECRET='a-long-enough-hmac-secret'");
      expect(signals).toHaveTextContent('curl -sS "$SIDECAR_URL/api/v1/signals"');
      expect(signals).toHaveTextContent('-H "X-Grafana-Alerting-Signature: $sig"');
      expect(signals).toHaveTextContent('-H "X-Grafana-Alerting-Timestamp: $ts"');
      const grafana = within(panel).getByTestId(testIds.ingestTokens.grafanaSnippet);
      expect(grafana).toHaveTextContent(`url: "${SIDECAR_URL}/api/v1/webhooks/grafana"`);
      expect(grafana).toHaveTextContent('authorization_credentials: "sct_the-whole-secret-token"');
      expect(grafana).toHaveTextContent('secret: "a-long-enough-hmac-secret"');
      expect(grafana).toHaveTextContent('timestampHeader: "X-Grafana-Alerting-Timestamp"');

      // The list has the new token, without the token itself; the form is ready for the next one.
      const [row] = screen.getAllByTestId(testIds.ingestTokens.row);
      expect(row).toHaveAttribute('data-token-id', created.id);
      expect(row).not.toHaveTextContent('sct_the-whole-secret-token');
      expect(within(form).getByTestId(testIds.ingestTokens.nameInput)).toHaveValue('');

      fireEvent.click(within(panel).getByTestId(testIds.ingestTokens.dismissCreated));
      expect(screen.queryByTestId(testIds.ingestTokens.created)).not.toBeInTheDocument();
      expect(document.body).not.toHaveTextContent('sct_the-whole-secret-token');
    });

    it('gives a new token without an HMAC secret an Alertmanager receiver and no signed example', async () => {
      const created: CreatedIngestToken = { ...makeIngestToken(), token: 'sct_plain-token' };
      serve(makeProject({ role: 'admin', slug: 'payments' }), [], { 'POST /ingest-tokens': answer(created) });
      renderPage(<Project />, { jsonData: { sidecarUrl: SIDECAR_URL } });

      fireEvent.change(await screen.findByTestId(testIds.ingestTokens.nameInput), { target: { value: 'am' } });
      fireEvent.click(screen.getByTestId(testIds.ingestTokens.createSubmit));

      const panel = await screen.findByTestId(testIds.ingestTokens.created);
      const alertmanager = within(panel).getByTestId(testIds.ingestTokens.alertmanagerSnippet);
      expect(alertmanager).toHaveTextContent(`url: "${SIDECAR_URL}/api/v1/webhooks/alertmanager"`);
      expect(alertmanager).toHaveTextContent('credentials: "sct_plain-token"');
      expect(within(panel).queryByTestId(testIds.ingestTokens.alertmanagerUnsigned)).not.toBeInTheDocument();
      expect(within(panel).queryByTestId(testIds.ingestTokens.signedSignalsSnippet)).not.toBeInTheDocument();
      expect(within(panel).getByTestId(testIds.ingestTokens.grafanaSnippet)).not.toHaveTextContent('hmacConfig');
    });

    it('generates an HMAC secret on request', async () => {
      serve(makeProject({ role: 'owner' }), []);
      renderPage(<Project />);

      fireEvent.click(await screen.findByTestId(testIds.ingestTokens.hmacSwitch));
      fireEvent.click(screen.getByTestId(testIds.ingestTokens.hmacGenerate));

      expect((screen.getByTestId(testIds.ingestTokens.hmacSecretInput) as HTMLInputElement).value).toMatch(
        /^[0-9a-f]{64}$/
      );
    });

    it('marks the snippets when the sidecar URL is not known', async () => {
      const created = { ...makeIngestToken(), token: 'sct_x' };
      serve(makeProject({ role: 'admin' }), [], { 'POST /ingest-tokens': answer(created) });
      renderPage(<Project />);

      fireEvent.change(await screen.findByTestId(testIds.ingestTokens.nameInput), { target: { value: 'am' } });
      fireEvent.click(screen.getByTestId(testIds.ingestTokens.createSubmit));

      const panel = await screen.findByTestId(testIds.ingestTokens.created);
      expect(panel).toHaveTextContent('Sidecar URL not set');
      expect(within(panel).getByTestId(testIds.ingestTokens.alertmanagerSnippet)).toHaveTextContent(
        'url: "<sidecar URL>/api/v1/webhooks/alertmanager"'
      );
    });

    it('revokes a token after confirmation', async () => {
      const project = makeProject({ role: 'admin' });
      const token = makeIngestToken();
      serve(project, [], {
        'GET /ingest-tokens': answer({ items: [token] }),
        [`DELETE /ingest-tokens/${token.id}`]: answer(''),
      });
      renderPage(<Project />);

      const row = await screen.findByTestId(testIds.ingestTokens.row);
      fireEvent.click(within(row).getByTestId(testIds.ingestTokens.revokeButton));
      const dialog = await screen.findByRole('dialog');
      expect(dialog).toHaveTextContent('Revoke "prod-alertmanager"?');
      expect(requests('DELETE', `/ingest-tokens/${token.id}`)).toHaveLength(0);
      await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Revoke' })));

      await waitFor(() => expect(screen.getByTestId(testIds.ingestTokens.row)).toHaveAttribute('data-revoked', 'true'));
      expect(requests('DELETE', `/ingest-tokens/${token.id}`)[0].headers).toEqual({ 'X-Project-Id': project.id });
      expect(screen.queryByTestId(testIds.ingestTokens.revokeButton)).not.toBeInTheDocument();
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    });

    it('keeps a token when revoking is dismissed, and shows why revoking failed', async () => {
      const token = makeIngestToken();
      serve(makeProject({ role: 'admin' }), [], {
        'GET /ingest-tokens': answer({ items: [token] }),
        [`DELETE /ingest-tokens/${token.id}`]: sidecarError(404, 'not_found', 'active ingest token not found'),
      });
      renderPage(<Project />);

      fireEvent.click(await screen.findByTestId(testIds.ingestTokens.revokeButton));
      fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Cancel' }));
      await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
      expect(requests('DELETE', `/ingest-tokens/${token.id}`)).toHaveLength(0);

      fireEvent.click(screen.getByTestId(testIds.ingestTokens.revokeButton));
      await act(async () =>
        fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Revoke' }))
      );
      expect(await screen.findByTestId(testIds.ingestTokens.revokeError)).toHaveTextContent(
        'active ingest token not found'
      );
      expect(screen.getByTestId(testIds.ingestTokens.row)).toHaveAttribute('data-revoked', 'false');
    });

    it('shows why the tokens could not be loaded', async () => {
      serve(makeProject({ role: 'admin' }), [], {
        'GET /ingest-tokens': sidecarError(403, 'forbidden', 'needs the admin role'),
      });
      renderPage(<Project />);

      expect(await screen.findByTestId(testIds.ingestTokens.error)).toHaveTextContent('needs the admin role');
    });
  });
});
