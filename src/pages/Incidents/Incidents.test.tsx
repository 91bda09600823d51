import React from 'react';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { config, type BackendSrvRequest } from '@grafana/runtime';
import type { Incident, Project } from '../../api';
import { testIds } from '../../components/testIds';
import { giveElementsASize } from '../../testing/elementSize';
import { currentEventSource, withFakeEventSource } from '../../testing/fakeEventSource';
import { makeDetail, makeIncident } from '../../testing/fakeIncidents';
import { answer, makeProject, projectRoutes, routeSidecar, sidecarError } from '../../testing/fakeSidecar';
import { locationHandle, renderPage } from '../../testing/renderPage';
import { incidentUrl, prefixRoute } from '../../utils/utils.routing';
import Incidents from './Incidents';

const mockFetch = jest.fn();

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

const LIST_URL = prefixRoute('incidents');

const requests = (method: string, path: string) =>
  mockFetch.mock.calls
    .map(([request]: [BackendSrvRequest]) => request)
    .filter((r) => (r.method ?? 'GET') === method && r.url.endsWith(path));

const listRequests = () => requests('GET', '/incidents');

function serve(project: Project, routes: Parameters<typeof routeSidecar>[0]) {
  mockFetch.mockImplementation(routeSidecar({ ...projectRoutes([project]), ...routes }));
}

/** Answers GET /incidents with whatever `incidents` holds when asked. */
const listOf = (incidents: () => Incident[]) => (request: BackendSrvRequest) =>
  answer({ items: incidents(), nextCursor: null })(request);

const rows = () => screen.getAllByTestId(testIds.incidents.row);
const rowIds = () => rows().map((row) => row.getAttribute('data-incident-id'));

describe('Incidents page', () => {
  const engineerProject = makeProject({ name: 'Payments', role: 'engineer' });
  const viewerProject = makeProject({ name: 'Checkout', role: 'viewer' });
  withFakeEventSource();
  // The multi-selects' option lists are virtualised: they render as many options as fit their measured size.
  giveElementsASize();

  beforeEach(() => {
    mockFetch.mockReset();
    window.localStorage.clear();
    config.bootData.user.orgId = 1;
  });

  it("lists the project's incidents with their severity, status, signals and response times", async () => {
    const critical = makeIncident({
      title: 'Checkout 5xx',
      severity: 'critical',
      status: 'acknowledged',
      firingCount: 3,
      signalCount: 4,
      timeToAcknowledgeMs: 252_000,
    });
    const older = makeIncident({ title: 'Disk full', severity: 'info', service: null, origin: 'manual' });
    serve(engineerProject, { 'GET /incidents': answer({ items: [critical, older], nextCursor: null }) });
    renderPage(<Incidents />, { path: LIST_URL });

    await screen.findByTestId(testIds.incidents.table);
    expect(rowIds()).toEqual([critical.id, older.id]);
    const [first, second] = rows();
    expect(first).toHaveAttribute('data-status', 'acknowledged');
    expect(first).toHaveAttribute('data-severity', 'critical');
    expect(within(first).getByTestId(testIds.incidents.severityBadge)).toHaveTextContent('Critical');
    expect(within(first).getByTestId(testIds.incidents.statusBadge)).toHaveTextContent('Acknowledged');
    expect(within(first).getByTestId(testIds.incidents.statusBadge)).toHaveAttribute('data-status', 'acknowledged');
    expect(within(first).getByTestId(testIds.incidents.signalCount)).toHaveTextContent('3 / 4');
    expect(first).toHaveTextContent('checkout-api');
    expect(first).toHaveTextContent('Acknowledged in 4m 12s');
    expect(within(first).getByTestId(testIds.incidents.rowLink)).toHaveAttribute('href', incidentUrl(critical.id));
    expect(second).toHaveTextContent('Declared');
    expect(within(second).getByTestId(testIds.incidents.severityBadge)).toHaveAttribute('data-severity', 'info');

    const [request] = listRequests();
    expect(request.headers).toEqual({ 'X-Project-Id': engineerProject.id });
    expect(request.params).toEqual({ limit: 50 });
    expect(screen.queryByTestId(testIds.incidents.loadMore)).not.toBeInTheDocument();
  });

  it('sends the filters to the sidecar and keeps them in the page address', async () => {
    serve(engineerProject, { 'GET /incidents': answer({ items: [makeIncident()], nextCursor: null }) });
    renderPage(<Incidents />, { path: LIST_URL });
    await screen.findByTestId(testIds.incidents.table);

    const statusInput = within(screen.getByTestId(testIds.incidents.filterStatus)).getByRole('combobox');
    await act(async () => fireEvent.click(statusInput));
    await act(async () => fireEvent.click(await screen.findByRole('option', { name: 'Acknowledged' })));
    fireEvent.change(screen.getByTestId(testIds.incidents.filterService), { target: { value: ' checkout-api ' } });
    fireEvent.change(screen.getByTestId(testIds.incidents.filterSearch), { target: { value: '5xx' } });
    fireEvent.click(screen.getByTestId(testIds.incidents.applyFilters));

    await waitFor(() => expect(listRequests()).toHaveLength(2));
    expect(listRequests()[1].params).toEqual({
      status: 'acknowledged',
      service: 'checkout-api',
      q: '5xx',
      limit: 50,
    });
    expect(new URLSearchParams(locationHandle.current?.search).get('status')).toBe('acknowledged');
    await screen.findByTestId(testIds.incidents.table);

    fireEvent.click(screen.getByTestId(testIds.incidents.clearFilters));
    await waitFor(() => expect(listRequests()).toHaveLength(3));
    expect(listRequests()[2].params).toEqual({ limit: 50 });
    expect(locationHandle.current?.search).toBe('');
    // The multi-select renders slowly in jsdom, the more so when the suites run in parallel.
  }, 15_000);

  it('takes the filters from the page address', async () => {
    serve(engineerProject, { 'GET /incidents': answer({ items: [], nextCursor: null }) });
    renderPage(<Incidents />, { path: `${LIST_URL}?severity=critical,high&status=resolved&service=api` });

    expect(await screen.findByTestId(testIds.incidents.empty)).toHaveTextContent('No incidents match');
    expect(listRequests()[0].params).toEqual({
      status: 'resolved',
      severity: 'critical,high',
      service: 'api',
      limit: 50,
    });
    expect(screen.getByTestId(testIds.incidents.filterService)).toHaveValue('api');
  });

  it('loads more incidents with the cursor of the last page', async () => {
    const [a, b, c] = [makeIncident(), makeIncident(), makeIncident()].reverse();
    serve(engineerProject, {
      'GET /incidents': (request) =>
        request.params?.cursor === 'after-b'
          ? answer({ items: [c], nextCursor: null })(request)
          : answer({ items: [a, b], nextCursor: 'after-b' })(request),
    });
    renderPage(<Incidents />, { path: LIST_URL });
    await screen.findByTestId(testIds.incidents.table);
    expect(rows()).toHaveLength(2);

    await act(async () => fireEvent.click(screen.getByTestId(testIds.incidents.loadMore)));

    await waitFor(() => expect(rowIds()).toEqual([a.id, b.id, c.id]));
    expect(listRequests()[1].params).toEqual({ limit: 50, cursor: 'after-b' });
    expect(screen.queryByTestId(testIds.incidents.loadMore)).not.toBeInTheDocument();
  });

  it('shows a new incident as soon as the sidecar announces it, without a reload', async () => {
    const existing = makeIncident({ title: 'Existing' });
    let incidents = [existing];
    serve(engineerProject, { 'GET /incidents': listOf(() => incidents) });
    renderPage(<Incidents />, { path: LIST_URL });
    await screen.findByTestId(testIds.incidents.table);

    const indicator = screen.getByTestId(testIds.incidents.liveIndicator);
    expect(indicator).toHaveAttribute('data-state', 'connecting');
    const stream = currentEventSource();
    expect(stream.url).toBe(`/api/plugin-proxy/sre-copilot-app/api/v1/stream?projectId=${engineerProject.id}`);
    act(() => stream.open());
    expect(indicator).toHaveAttribute('data-state', 'live');
    expect(indicator).toHaveTextContent('Live');

    const created = makeIncident({ title: 'Brand new' });
    incidents = [created, existing];
    act(() => stream.emit({ type: 'incident.created', incidentId: created.id }));

    await waitFor(() => expect(rowIds()).toEqual([created.id, existing.id]));
    expect(rows()[0]).toHaveTextContent('Brand new');
  });

  it('refreshes the row of an incident that changed', async () => {
    const incident = makeIncident({ title: 'Checkout 5xx' });
    serve(engineerProject, {
      'GET /incidents': answer({ items: [incident], nextCursor: null }),
      [`GET /incidents/${incident.id}`]: answer(makeDetail({ ...incident, status: 'resolved', firingCount: 0 })),
    });
    renderPage(<Incidents />, { path: LIST_URL });
    await screen.findByTestId(testIds.incidents.table);
    const stream = currentEventSource();
    act(() => stream.open());

    act(() => stream.emit({ type: 'incident.updated', incidentId: '10000000-0000-4000-8000-999999999999' }));
    act(() => stream.emit({ type: 'incident.updated', incidentId: incident.id }));

    await waitFor(() => expect(rows()[0]).toHaveAttribute('data-status', 'resolved'));
    expect(within(rows()[0]).getByTestId(testIds.incidents.signalCount)).toHaveTextContent('0 / 2');
    // Only the incident on the page was read; the list itself was not asked for again.
    expect(requests('GET', '/incidents/10000000-0000-4000-8000-999999999999')).toHaveLength(0);
    expect(listRequests()).toHaveLength(1);
  });

  it('says when it is reconnecting, and reads the list again once back', async () => {
    const first = makeIncident();
    let incidents = [first];
    serve(engineerProject, { 'GET /incidents': listOf(() => incidents) });
    renderPage(<Incidents />, { path: LIST_URL });
    await screen.findByTestId(testIds.incidents.table);
    const stream = currentEventSource();
    act(() => stream.open());

    act(() => stream.drop());
    const indicator = screen.getByTestId(testIds.incidents.liveIndicator);
    expect(indicator).toHaveAttribute('data-state', 'reconnecting');
    expect(indicator).toHaveTextContent('Reconnecting…');

    // Created while the stream was down: no event will ever say so.
    const missed = makeIncident();
    incidents = [missed, first];
    act(() => stream.open());

    await waitFor(() => expect(rowIds()).toEqual([missed.id, first.id]));
    expect(indicator).toHaveAttribute('data-state', 'live');
  });

  it('lets an engineer declare an incident, then opens it', async () => {
    const declared = makeIncident({ title: 'Payments degraded', origin: 'manual' });
    serve(engineerProject, {
      'GET /incidents': answer({ items: [], nextCursor: null }),
      'POST /incidents': answer(declared),
    });
    renderPage(<Incidents />, { path: LIST_URL });
    await screen.findByTestId(testIds.incidents.empty);

    fireEvent.click(screen.getByTestId(testIds.incidents.declareButton));
    const form = await screen.findByTestId(testIds.incidents.declareForm);
    expect(within(form).getByTestId(testIds.incidents.declareSubmit)).toBeDisabled();
    fireEvent.change(within(form).getByTestId(testIds.incidents.declareTitle), {
      target: { value: ' Payments degraded ' },
    });
    fireEvent.click(
      within(within(form).getByTestId(testIds.incidents.declareSeverity)).getByRole('radio', { name: 'Critical' })
    );
    fireEvent.change(within(form).getByTestId(testIds.incidents.declareService), { target: { value: 'payments' } });
    fireEvent.change(within(form).getByTestId(testIds.incidents.declareDescription), {
      target: { value: 'Card payments time out' },
    });
    fireEvent.click(within(form).getByTestId(testIds.incidents.declareSubmit));

    await waitFor(() => expect(locationHandle.current?.pathname).toBe(incidentUrl(declared.id)));
    const [post] = requests('POST', '/incidents');
    expect(post.data).toEqual({
      title: 'Payments degraded',
      severity: 'critical',
      service: 'payments',
      description: 'Card payments time out',
    });
    expect(post.headers).toEqual({ 'X-Project-Id': engineerProject.id });
  });

  it("shows the sidecar's reason when declaring fails", async () => {
    serve(engineerProject, {
      'GET /incidents': answer({ items: [], nextCursor: null }),
      'POST /incidents': sidecarError(403, 'forbidden', 'needs the engineer role'),
    });
    renderPage(<Incidents />, { path: LIST_URL });
    fireEvent.click(await screen.findByTestId(testIds.incidents.declareButton));
    fireEvent.change(await screen.findByTestId(testIds.incidents.declareTitle), { target: { value: 'x' } });
    fireEvent.click(screen.getByTestId(testIds.incidents.declareSubmit));

    expect(await screen.findByTestId(testIds.incidents.declareError)).toHaveTextContent('needs the engineer role');
    expect(locationHandle.current?.pathname).toBe(LIST_URL);
  });

  it('shows a viewer no way to declare an incident', async () => {
    serve(viewerProject, { 'GET /incidents': answer({ items: [makeIncident()], nextCursor: null }) });
    renderPage(<Incidents />, { path: LIST_URL });

    await screen.findByTestId(testIds.incidents.table);
    expect(screen.queryByTestId(testIds.incidents.declareButton)).not.toBeInTheDocument();
  });

  it('points to the ingest tokens while there are no incidents at all', async () => {
    serve(engineerProject, { 'GET /incidents': answer({ items: [], nextCursor: null }) });
    renderPage(<Incidents />, { path: LIST_URL });

    const empty = await screen.findByTestId(testIds.incidents.empty);
    expect(empty).toHaveTextContent('No incidents yet');
    expect(empty).toHaveTextContent('Connect Alertmanager or Grafana alerting: see Project › Ingest tokens');
    expect(within(empty).getByRole('link', { name: 'Project › Ingest tokens' })).toHaveAttribute(
      'href',
      prefixRoute('project')
    );
  });

  it('shows the error and retries', async () => {
    serve(engineerProject, { 'GET /incidents': sidecarError(503, 'unavailable', 'database unavailable', 'req-5') });
    renderPage(<Incidents />, { path: LIST_URL });

    const error = await screen.findByTestId(testIds.incidents.error);
    expect(error).toHaveTextContent('database unavailable');
    expect(error).toHaveTextContent('req-5');

    serve(engineerProject, { 'GET /incidents': answer({ items: [makeIncident()], nextCursor: null }) });
    fireEvent.click(within(error).getByRole('button', { name: /Retry/ }));
    expect(await screen.findAllByTestId(testIds.incidents.row)).toHaveLength(1);
  });

  it('closes the stream when the page goes away', async () => {
    serve(engineerProject, { 'GET /incidents': answer({ items: [], nextCursor: null }) });
    const { unmount } = renderPage(<Incidents />, { path: LIST_URL });
    await screen.findByTestId(testIds.incidents.empty);
    const stream = currentEventSource();

    unmount();
    expect(stream.isClosed).toBe(true);
  });
});
