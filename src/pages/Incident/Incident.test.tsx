import React from 'react';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { config, type BackendSrvRequest } from '@grafana/runtime';
import type { IncidentDetail, Project } from '../../api';
import { testIds } from '../../components/testIds';
import { currentEventSource, withFakeEventSource } from '../../testing/fakeEventSource';
import { makeDetail, makeEvent, makeIncident, makeSignal } from '../../testing/fakeIncidents';
import { answer, makeProject, projectRoutes, routeSidecar, sidecarError } from '../../testing/fakeSidecar';
import { renderPage } from '../../testing/renderPage';
import { incidentUrl, prefixRoute } from '../../utils/utils.routing';
import Incident from './Incident';

const mockFetch = jest.fn();

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

const ROUTE = `${prefixRoute('incidents')}/:incidentId`;

const requests = (method: string, suffix: string) =>
  mockFetch.mock.calls
    .map(([request]: [BackendSrvRequest]) => request)
    .filter((r) => (r.method ?? 'GET') === method && r.url.endsWith(suffix));

const incident = makeIncident({
  title: 'Checkout 5xx',
  description: 'Errors on the payment step',
  severity: 'critical',
  status: 'triggered',
  warnings: ['Alertmanager truncated 12 alerts of the group'],
  signalCount: 2,
  firingCount: 1,
  allowedTransitions: ['acknowledged', 'investigating', 'mitigated', 'resolved'],
});
const detailPath = `/incidents/${incident.id}`;

const signals = [
  makeSignal({
    id: 11,
    title: 'HighErrorRate',
    labels: { alertname: 'HighErrorRate', service: 'checkout-api', env: 'prod' },
    generatorUrl: 'http://prometheus:9090/graph?g0.expr=rate',
  }),
  makeSignal({
    id: 12,
    status: 'resolved',
    severity: 'warning',
    title: 'LatencyHigh',
    labels: {},
    generatorUrl: 'javascript:alert(1)',
    endsAt: '2025-03-01T12:03:00.000Z',
  }),
];

const timeline = [
  makeEvent(1, 'created', { service: 'checkout-api', severity: 'critical' }, 'system'),
  makeEvent(2, 'signals_attached', { count: 2 }, 'system'),
  makeEvent(3, 'comment', { body: 'Looking at the deploy of 11:55' }),
];

function serve(project: Project, detail: () => IncidentDetail, routes: Parameters<typeof routeSidecar>[0] = {}) {
  mockFetch.mockImplementation(
    routeSidecar({
      ...projectRoutes([project]),
      [`GET ${detailPath}`]: (request) => answer(detail())(request),
      ...routes,
    })
  );
}

const renderIncident = () => renderPage(<Incident />, { path: incidentUrl(incident.id), route: ROUTE });

describe('Incident page', () => {
  const viewerProject = makeProject({ role: 'viewer' });
  const engineerProject = makeProject({ role: 'engineer' });
  withFakeEventSource();

  beforeEach(() => {
    mockFetch.mockReset();
    window.localStorage.clear();
    config.bootData.user.orgId = 1;
  });

  it('shows the incident, its signals with their labels, and its timeline', async () => {
    serve(viewerProject, () => makeDetail(incident, signals, timeline));
    renderIncident();

    // The heading (testIds.incident.title) is Grafana's page chrome, which these tests do not have.
    expect(await screen.findByTestId(testIds.incident.severity)).toHaveAttribute('data-severity', 'critical');
    expect(screen.getByTestId(testIds.incident.status)).toHaveAttribute('data-status', 'triggered');
    expect(screen.getByTestId(testIds.incident.service)).toHaveTextContent('checkout-api');
    expect(screen.getByTestId(testIds.incident.description)).toHaveTextContent('Errors on the payment step');
    expect(screen.getByTestId(testIds.incident.created)).toHaveTextContent('by SRE Copilot');
    expect(screen.getByTestId(testIds.incident.acknowledged)).toHaveTextContent('Not yet');
    expect(screen.getByTestId(testIds.incident.warnings)).toHaveTextContent('truncated 12 alerts');
    expect(screen.getByTestId(testIds.incident.backLink)).toHaveAttribute('href', prefixRoute('incidents'));
    expect(requests('GET', detailPath)[0].headers).toEqual({ 'X-Project-Id': viewerProject.id });

    // Signals: one row each; labels on demand.
    const rows = screen.getAllByTestId(testIds.incident.signalRow);
    expect(rows.map((row) => row.getAttribute('data-signal-id'))).toEqual(['11', '12']);
    expect(rows[0]).toHaveTextContent('Firing');
    expect(rows[1]).toHaveTextContent('Resolved');
    expect(within(rows[0]).getByTestId(testIds.incident.signalGeneratorLink)).toHaveAttribute(
      'href',
      'http://prometheus:9090/graph?g0.expr=rate'
    );
    // A link that would run script is not a link.
    expect(within(rows[1]).queryByTestId(testIds.incident.signalGeneratorLink)).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.incident.signalLabels)).not.toBeInTheDocument();

    fireEvent.click(within(rows[0]).getByTestId(testIds.incident.signalToggle));
    const labels = screen.getByTestId(testIds.incident.signalLabels);
    expect(labels).toHaveAttribute('data-signal-id', '11');
    expect(
      within(labels)
        .getAllByTestId(testIds.incident.signalLabel)
        .map((tag) => tag.textContent)
    ).toEqual(['alertname=HighErrorRate', 'env=prod', 'service=checkout-api']);
    fireEvent.click(within(rows[0]).getByTestId(testIds.incident.signalToggle));
    expect(screen.queryByTestId(testIds.incident.signalLabels)).not.toBeInTheDocument();

    // Timeline: oldest first, who did what.
    const entries = within(screen.getByTestId(testIds.incident.timeline)).getAllByTestId(
      testIds.incident.timelineEntry
    );
    expect(entries.map((entry) => entry.getAttribute('data-kind'))).toEqual(['created', 'signals_attached', 'comment']);
    expect(entries[0]).toHaveTextContent('SRE Copilot (correlation) opened the incident from correlated signals');
    expect(entries[1]).toHaveTextContent('attached 2 signals');
    expect(entries[2]).toHaveTextContent('alice commented');
    expect(entries[2]).toHaveTextContent('Looking at the deploy of 11:55');
  });

  it('shows a viewer no controls at all', async () => {
    serve(viewerProject, () => makeDetail(incident, signals, timeline));
    renderIncident();
    await screen.findByTestId(testIds.incident.timeline);

    expect(screen.queryByTestId(testIds.incident.transitions)).not.toBeInTheDocument();
    for (const id of Object.values(testIds.incident.transition)) {
      expect(screen.queryByTestId(id)).not.toBeInTheDocument();
    }
    expect(screen.queryByTestId(testIds.incident.transitionNote)).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.incident.commentForm)).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.incident.editButton)).not.toBeInTheDocument();
    // The only buttons are the ones that show a signal's labels.
    expect(screen.getAllByRole('button')).toHaveLength(signals.length);
  });

  it('lets an engineer move the incident on, with a note, and shows the new status', async () => {
    let current = makeDetail(incident, signals, timeline);
    const acknowledged = {
      ...incident,
      status: 'acknowledged' as const,
      acknowledgedAt: '2025-03-01T12:04:12.000Z',
      acknowledgedBy: 'user:7',
      timeToAcknowledgeMs: 252_000,
      allowedTransitions: ['investigating' as const, 'mitigated' as const, 'resolved' as const],
    };
    serve(engineerProject, () => current, {
      [`POST ${detailPath}/transitions`]: (request) => {
        current = makeDetail(acknowledged, signals, [
          ...timeline,
          makeEvent(4, 'status_changed', { from: 'triggered', to: 'acknowledged', note: request.data.note }),
        ]);
        return answer(acknowledged)(request);
      },
    });
    renderIncident();

    const transitions = await screen.findByTestId(testIds.incident.transitions);
    const buttons = within(transitions).getAllByRole('button');
    expect(buttons.map((button) => [button.getAttribute('data-to'), button.textContent])).toEqual([
      ['acknowledged', 'Acknowledge'],
      ['investigating', 'Start investigating'],
      ['mitigated', 'Mark mitigated'],
      ['resolved', 'Resolve'],
    ]);
    expect(screen.queryByTestId(testIds.incident.transition.triggered)).not.toBeInTheDocument();

    fireEvent.change(screen.getByTestId(testIds.incident.transitionNote), { target: { value: ' on it ' } });
    fireEvent.click(screen.getByTestId(testIds.incident.transition.acknowledged));

    await waitFor(() =>
      expect(screen.getByTestId(testIds.incident.status)).toHaveAttribute('data-status', 'acknowledged')
    );
    const [post] = requests('POST', `${detailPath}/transitions`);
    expect(post.data).toEqual({ to: 'acknowledged', note: 'on it' });
    expect(post.headers).toEqual({ 'X-Project-Id': engineerProject.id });
    expect(screen.getByTestId(testIds.incident.acknowledged)).toHaveTextContent('by alice, 4m 12s after it opened');
    expect(screen.queryByTestId(testIds.incident.transition.acknowledged)).not.toBeInTheDocument();
    expect(screen.getByTestId(testIds.incident.transition.investigating)).toBeInTheDocument();
    expect(screen.getByTestId(testIds.incident.transitionNote)).toHaveValue('');

    // The full read that follows brings the timeline entry with the note.
    await waitFor(() => expect(screen.getAllByTestId(testIds.incident.timelineEntry)).toHaveLength(4));
    const last = screen.getAllByTestId(testIds.incident.timelineEntry)[3];
    expect(last).toHaveTextContent('alice changed the status from triggered to acknowledged');
    expect(last).toHaveTextContent('on it');
  });

  it('offers to reopen a resolved incident', async () => {
    const resolved = { ...incident, status: 'resolved' as const, allowedTransitions: ['triggered' as const] };
    serve(engineerProject, () => makeDetail(resolved, signals, timeline));
    renderIncident();

    const transitions = await screen.findByTestId(testIds.incident.transitions);
    expect(
      within(transitions)
        .getAllByRole('button')
        .map((button) => button.textContent)
    ).toEqual(['Reopen']);
  });

  it('shows why a status change was refused, and reads the incident again', async () => {
    serve(engineerProject, () => makeDetail(incident, signals, timeline), {
      [`POST ${detailPath}/transitions`]: sidecarError(
        409,
        'conflict',
        'an incident in status resolved cannot move to acknowledged; allowed: triggered'
      ),
    });
    renderIncident();

    fireEvent.click(await screen.findByTestId(testIds.incident.transition.acknowledged));

    expect(await screen.findByTestId(testIds.incident.transitionError)).toHaveTextContent(
      'cannot move to acknowledged'
    );
    await waitFor(() => expect(requests('GET', detailPath)).toHaveLength(2));
  });

  it('lets an engineer comment', async () => {
    const comment = makeEvent(5, 'comment', { body: 'Rolled back to v41' });
    serve(engineerProject, () => makeDetail(incident, signals, timeline), {
      [`POST ${detailPath}/comments`]: answer(comment),
    });
    renderIncident();

    const form = await screen.findByTestId(testIds.incident.commentForm);
    expect(within(form).getByTestId(testIds.incident.commentSubmit)).toBeDisabled();
    fireEvent.change(within(form).getByTestId(testIds.incident.commentInput), {
      target: { value: '  Rolled back to v41 ' },
    });
    fireEvent.click(within(form).getByTestId(testIds.incident.commentSubmit));

    await waitFor(() => expect(screen.getAllByTestId(testIds.incident.timelineEntry)).toHaveLength(4));
    expect(screen.getAllByTestId(testIds.incident.timelineEntry)[3]).toHaveTextContent('Rolled back to v41');
    expect(requests('POST', `${detailPath}/comments`)[0].data).toEqual({ body: 'Rolled back to v41' });
    expect(within(form).getByTestId(testIds.incident.commentInput)).toHaveValue('');
  });

  it('lets an engineer edit the title, severity and service, sending only what changed', async () => {
    const edited = { ...incident, severity: 'high' as const, service: null };
    serve(engineerProject, () => makeDetail(incident, signals, timeline), {
      [`PATCH ${detailPath}`]: answer(edited),
    });
    renderIncident();

    fireEvent.click(await screen.findByTestId(testIds.incident.editButton));
    const form = screen.getByTestId(testIds.incident.editForm);
    expect(within(form).getByTestId(testIds.incident.editTitle)).toHaveValue('Checkout 5xx');
    expect(within(form).getByTestId(testIds.incident.editSave)).toBeDisabled();
    fireEvent.click(within(screen.getByTestId(testIds.incident.editSeverity)).getByRole('radio', { name: 'High' }));
    fireEvent.change(within(form).getByTestId(testIds.incident.editService), { target: { value: ' ' } });
    fireEvent.click(within(form).getByTestId(testIds.incident.editSave));

    await waitFor(() => expect(screen.queryByTestId(testIds.incident.editForm)).not.toBeInTheDocument());
    expect(requests('PATCH', detailPath)[0].data).toEqual({ severity: 'high', service: null });
    expect(screen.getByTestId(testIds.incident.severity)).toHaveAttribute('data-severity', 'high');
    expect(screen.getByTestId(testIds.incident.service)).toHaveTextContent('No service');
  });

  it('reads the incident again when the sidecar says it changed, and only then', async () => {
    let current = makeDetail(incident, signals, timeline);
    serve(engineerProject, () => current);
    renderIncident();
    await screen.findByTestId(testIds.incident.timeline);
    const stream = currentEventSource();
    act(() => stream.open());
    expect(screen.getByTestId(testIds.incident.liveIndicator)).toHaveAttribute('data-state', 'live');

    act(() => stream.emit({ type: 'incident.updated', incidentId: '10000000-0000-4000-8000-999999999999' }));
    act(() => stream.emit({ type: 'incident.created', incidentId: '10000000-0000-4000-8000-999999999998' }));
    current = makeDetail({ ...incident, status: 'mitigated' }, signals, timeline);
    act(() => stream.emit({ type: 'incident.updated', incidentId: incident.id }));

    await waitFor(() =>
      expect(screen.getByTestId(testIds.incident.status)).toHaveAttribute('data-status', 'mitigated')
    );
    expect(requests('GET', detailPath)).toHaveLength(2);
  });

  it('says when the incident does not exist in the project', async () => {
    serve(viewerProject, () => makeDetail(incident), {
      [`GET ${detailPath}`]: sidecarError(404, 'not_found', 'incident not found'),
    });
    renderIncident();

    expect(await screen.findByTestId(testIds.incident.error)).toHaveTextContent('Incident not found');
  });

  it('shows other errors with a retry', async () => {
    serve(viewerProject, () => makeDetail(incident), {
      [`GET ${detailPath}`]: sidecarError(503, 'unavailable', 'database unavailable'),
    });
    renderIncident();

    const error = await screen.findByTestId(testIds.incident.error);
    expect(error).toHaveTextContent('database unavailable');
    serve(viewerProject, () => makeDetail(incident, signals, timeline));
    fireEvent.click(within(error).getByRole('button', { name: /Retry/ }));
    expect(await screen.findByTestId(testIds.incident.description)).toHaveTextContent('Errors on the payment step');
  });
});
