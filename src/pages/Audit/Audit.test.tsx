import React from 'react';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { config, type BackendSrvRequest } from '@grafana/runtime';
import type { AuditLogEntry, AuditVerifyResult } from '../../api';
import { testIds } from '../../components/testIds';
import { answer, makeProject, projectRoutes, routeSidecar, sidecarError } from '../../testing/fakeSidecar';
import { renderPage, storeHandle } from '../../testing/renderPage';
import Audit from './Audit';

const mockFetch = jest.fn();

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

const payments = makeProject({ name: 'Payments', role: 'engineer' });
const checkout = makeProject({ name: 'Checkout', role: 'viewer' });

function entry(seq: number, overrides: Partial<AuditLogEntry> = {}): AuditLogEntry {
  return {
    id: 1000 + seq,
    seq,
    actor: { type: 'user', id: 'user:7', name: 'alice' },
    action: 'member.added',
    resourceType: 'project_member',
    resourceId: '42',
    details: { role: 'admin', previousRole: null },
    ip: null,
    requestId: null,
    createdAt: `2025-03-0${seq}T10:00:00.000Z`,
    hash: `hash-${seq}`,
    ...overrides,
  };
}

const intact: AuditVerifyResult = { ok: true, checked: 3, unkeyed: 0, firstBroken: null };

const auditRequests = () =>
  mockFetch.mock.calls.map(([request]: [BackendSrvRequest]) => request).filter((r) => r.url.endsWith('/audit'));

function serve(routes: Parameters<typeof routeSidecar>[0]) {
  mockFetch.mockImplementation(
    routeSidecar({ ...projectRoutes([payments, checkout]), 'GET /audit/verify': answer(intact), ...routes })
  );
}

describe('Audit page', () => {
  beforeEach(() => {
    mockFetch.mockReset();
    window.localStorage.clear();
    config.bootData.user.orgId = 1;
  });

  it("lists the project's audit entries", async () => {
    serve({
      'GET /audit': answer({
        items: [
          entry(2, { action: 'project.updated', resourceType: 'project', details: { changes: { name: 'Payments' } } }),
          entry(1),
        ],
        nextCursor: null,
      }),
    });
    renderPage(<Audit />);

    const rows = await screen.findAllByTestId(testIds.audit.row);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveAttribute('data-seq', '2');
    expect(rows[0]).toHaveTextContent('2025-03-02 10:00:00');
    expect(rows[0]).toHaveTextContent('alice');
    expect(rows[0]).toHaveTextContent('user:7');
    expect(rows[0]).toHaveTextContent('project.updated');
    expect(rows[0]).toHaveTextContent('changes: {"name":"Payments"}');
    expect(rows[1]).toHaveTextContent('project_member');
    expect(rows[1]).toHaveTextContent('role: admin, previousRole: none');
    expect(screen.queryByTestId(testIds.audit.loadMore)).not.toBeInTheDocument();

    const [request] = auditRequests();
    expect(request.headers).toEqual({ 'X-Project-Id': payments.id });
    expect(request.params).toEqual({ limit: 50 });
  });

  it('sends the filters to the sidecar', async () => {
    serve({ 'GET /audit': answer({ items: [entry(1)], nextCursor: null }) });
    renderPage(<Audit />);
    await screen.findAllByTestId(testIds.audit.row);

    fireEvent.change(screen.getByTestId(testIds.audit.filterAction), { target: { value: ' member ' } });
    fireEvent.change(screen.getByTestId(testIds.audit.filterActor), { target: { value: 'user:7' } });
    fireEvent.change(screen.getByTestId(testIds.audit.filterResourceType), { target: { value: 'project_member' } });
    fireEvent.click(screen.getByTestId(testIds.audit.applyFilters));

    await waitFor(() => expect(auditRequests()).toHaveLength(2));
    expect(auditRequests()[1].params).toEqual({
      action: 'member',
      actorId: 'user:7',
      resourceType: 'project_member',
      limit: 50,
    });
    await screen.findAllByTestId(testIds.audit.row);

    fireEvent.click(screen.getByTestId(testIds.audit.clearFilters));
    await waitFor(() => expect(auditRequests()).toHaveLength(3));
    expect(auditRequests()[2].params).toEqual({ limit: 50 });
    expect(screen.getByTestId(testIds.audit.filterAction)).toHaveValue('');
  });

  it('loads more entries with the cursor of the last page', async () => {
    serve({
      'GET /audit': (request) =>
        request.params?.cursor === '1002'
          ? answer({ items: [entry(1)], nextCursor: null })(request)
          : answer({ items: [entry(3), entry(2)], nextCursor: '1002' })(request),
    });
    renderPage(<Audit />);
    expect(await screen.findAllByTestId(testIds.audit.row)).toHaveLength(2);

    fireEvent.change(screen.getByTestId(testIds.audit.filterAction), { target: { value: 'member' } });
    fireEvent.click(screen.getByTestId(testIds.audit.applyFilters));
    await waitFor(() => expect(auditRequests()).toHaveLength(2));
    await act(async () => fireEvent.click(await screen.findByTestId(testIds.audit.loadMore)));

    expect(auditRequests()[2].params).toEqual({ action: 'member', limit: 50, cursor: '1002' });
    const rows = await screen.findAllByTestId(testIds.audit.row);
    expect(rows.map((row) => row.getAttribute('data-seq'))).toEqual(['3', '2', '1']);
    expect(screen.queryByTestId(testIds.audit.loadMore)).not.toBeInTheDocument();
  });

  it('shows an intact chain with the number of entries checked', async () => {
    serve({ 'GET /audit': answer({ items: [entry(1)], nextCursor: null }) });
    renderPage(<Audit />);

    const badge = await screen.findByText('Chain intact · 3 entries');
    expect(screen.getByTestId(testIds.audit.chainStatus)).toBe(badge.closest('[data-testid]'));
    expect(screen.getByTestId(testIds.audit.chainStatus)).toHaveAttribute('data-state', 'intact');
  });

  it('shows where the chain breaks, and verifies again on request', async () => {
    let verified = 0;
    serve({
      'GET /audit': answer({ items: [entry(1)], nextCursor: null }),
      'GET /audit/verify': (request) => {
        verified += 1;
        return answer({ ok: false, checked: 7, unkeyed: 0, firstBroken: { id: 1007, seq: 7, reason: 'sequence_gap' } })(
          request
        );
      },
    });
    renderPage(<Audit />);

    await waitFor(() =>
      expect(screen.getByTestId(testIds.audit.chainStatus)).toHaveTextContent('Chain broken at #7 (sequence gap)')
    );
    expect(screen.getByTestId(testIds.audit.chainStatus)).toHaveAttribute('data-state', 'broken');
    const verifyRequest = mockFetch.mock.calls.find(([r]) => r.url.endsWith('/audit/verify'))[0];
    expect(verifyRequest.headers).toEqual({ 'X-Project-Id': payments.id });

    fireEvent.click(screen.getByTestId(testIds.audit.verifyButton));
    await waitFor(() => expect(verified).toBe(2));
    await waitFor(() => expect(screen.getByTestId(testIds.audit.chainStatus)).toHaveAttribute('data-state', 'broken'));
  });

  it('says when there are no entries', async () => {
    serve({ 'GET /audit': answer({ items: [], nextCursor: null }) });
    renderPage(<Audit />);

    expect(await screen.findByTestId(testIds.audit.empty)).toHaveTextContent('No audit entries yet');
    expect(screen.queryByTestId(testIds.audit.table)).not.toBeInTheDocument();
  });

  it('says when no entries match the filters', async () => {
    serve({ 'GET /audit': answer({ items: [], nextCursor: null }) });
    renderPage(<Audit />);
    await screen.findByTestId(testIds.audit.empty);

    fireEvent.change(screen.getByTestId(testIds.audit.filterAction), { target: { value: 'integration' } });
    fireEvent.click(screen.getByTestId(testIds.audit.applyFilters));

    await waitFor(() =>
      expect(screen.getByTestId(testIds.audit.empty)).toHaveTextContent('No audit entries match these filters')
    );
  });

  it('shows the error and retries', async () => {
    serve({ 'GET /audit': sidecarError(403, 'forbidden', 'viewer role required', 'req-42') });
    renderPage(<Audit />);

    const error = await screen.findByTestId(testIds.audit.error);
    expect(error).toHaveTextContent('viewer role required');
    expect(error).toHaveTextContent('req-42');

    serve({ 'GET /audit': answer({ items: [entry(1)], nextCursor: null }) });
    fireEvent.click(within(error).getByRole('button', { name: /Retry/ }));
    expect(await screen.findAllByTestId(testIds.audit.row)).toHaveLength(1);
  });

  it('shows a chain that could not be verified', async () => {
    serve({
      'GET /audit': answer({ items: [], nextCursor: null }),
      'GET /audit/verify': sidecarError(503, 'unavailable', 'database unavailable'),
    });
    renderPage(<Audit />);

    await waitFor(() => expect(screen.getByTestId(testIds.audit.chainStatus)).toHaveAttribute('data-state', 'error'));
    expect(screen.getByTestId(testIds.audit.chainStatus)).toHaveTextContent('database unavailable');
  });

  it('loads the new project’s log after a switch', async () => {
    serve({
      'GET /audit': (request) =>
        answer({
          items: [entry(1, { resourceId: request.headers?.['X-Project-Id'] })],
          nextCursor: null,
        })(request),
    });
    renderPage(<Audit />);
    expect(await screen.findByTestId(testIds.audit.row)).toHaveTextContent(payments.id);

    await act(() => storeHandle.current!.switchTo(checkout.id));

    await waitFor(() => expect(screen.getByTestId(testIds.audit.row)).toHaveTextContent(checkout.id));
    expect(auditRequests().map((r) => r.headers?.['X-Project-Id'])).toEqual([payments.id, checkout.id]);
  });

  it('shows the message for a caller in no project', async () => {
    mockFetch.mockImplementation(routeSidecar(projectRoutes([])));
    renderPage(<Audit />);

    expect(await screen.findByTestId(testIds.projectState.empty)).toHaveTextContent('You are not in any project');
    expect(auditRequests()).toHaveLength(0);
  });
});
