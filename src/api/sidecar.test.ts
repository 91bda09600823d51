import { of, throwError } from 'rxjs';
import { ApiError, toApiError } from './errors';
import {
  API_BASE_URL,
  commentOnIncident,
  createIncident,
  createIngestToken,
  getIncident,
  getProject,
  listAudit,
  listIncidents,
  listIngestTokens,
  listMembers,
  listProjects,
  putMember,
  removeMember,
  revokeIngestToken,
  switchProject,
  transitionIncident,
  updateIncident,
  updateProject,
  verifyAudit,
  whoami,
} from './sidecar';
import type { ProjectHeader } from './types';

const mockFetch = jest.fn();

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

const PROJECT_ID = '0b9f3f5e-8a47-4d2b-9a53-2f0e7f1c9a11';
const INCIDENT_ID = '5d1e4c8a-0a6b-4f3e-9d7c-2b8a1e6f4c30';
const TOKEN_ID = '7c2f1a9e-3b4d-4e5f-8a6b-1c2d3e4f5a6b';

const answer = (data: unknown, status = 200) => of({ data, status, ok: true });
const fail = (status: number, data: unknown, statusText = '') =>
  throwError(() => ({ status, statusText, data, config: {} }));

function lastRequest() {
  return mockFetch.mock.calls[mockFetch.mock.calls.length - 1][0];
}

describe('sidecar API client', () => {
  beforeEach(() => {
    mockFetch.mockReset();
    mockFetch.mockReturnValue(answer({}));
  });

  it('reaches the sidecar through the plugin proxy', () => {
    expect(API_BASE_URL).toBe('/api/plugin-proxy/sre-copilot-app/api/v1');
  });

  it('sends the header the contract names for the project', async () => {
    // Typed with the contract's header name: this line stops compiling when the contract renames it.
    const contractHeader: ProjectHeader = 'x-project-id';
    await verifyAudit(PROJECT_ID);
    const headerNames = Object.keys(lastRequest().headers).map((name) => name.toLowerCase());
    expect(headerNames).toEqual([contractHeader]);
  });

  it('leaves Grafana error toasts off: the pages show errors themselves', async () => {
    await whoami();
    expect(lastRequest()).toMatchObject({ showErrorAlert: false, showSuccessAlert: false });
  });

  it.each([
    ['whoami', () => whoami(), { url: `${API_BASE_URL}/whoami`, method: 'GET' }],
    ['listProjects', () => listProjects(), { url: `${API_BASE_URL}/projects`, method: 'GET' }],
    [
      'switchProject',
      () => switchProject(PROJECT_ID),
      { url: `${API_BASE_URL}/auth/switch-project`, method: 'POST', data: { projectId: PROJECT_ID } },
    ],
  ])('%s is not project-scoped', async (_name, call, expected) => {
    await call();
    expect(lastRequest()).toMatchObject(expected);
    expect(lastRequest().headers).toBeUndefined();
  });

  it.each([
    ['getProject', () => getProject(PROJECT_ID), { url: `/projects/${PROJECT_ID}`, method: 'GET' }],
    [
      'updateProject',
      () => updateProject(PROJECT_ID, { name: 'Payments' }),
      { url: `/projects/${PROJECT_ID}`, method: 'PATCH', data: { name: 'Payments' } },
    ],
    ['listMembers', () => listMembers(PROJECT_ID), { url: `/projects/${PROJECT_ID}/members`, method: 'GET' }],
    [
      'putMember',
      () => putMember(PROJECT_ID, 42, { role: 'admin', login: 'alice' }),
      { url: `/projects/${PROJECT_ID}/members/42`, method: 'PUT', data: { role: 'admin', login: 'alice' } },
    ],
    [
      'removeMember',
      () => removeMember(PROJECT_ID, 42),
      { url: `/projects/${PROJECT_ID}/members/42`, method: 'DELETE' },
    ],
    ['listAudit', () => listAudit(PROJECT_ID), { url: '/audit', method: 'GET' }],
    ['verifyAudit', () => verifyAudit(PROJECT_ID), { url: '/audit/verify', method: 'GET' }],
    ['listIncidents', () => listIncidents(PROJECT_ID), { url: '/incidents', method: 'GET' }],
    ['getIncident', () => getIncident(PROJECT_ID, INCIDENT_ID), { url: `/incidents/${INCIDENT_ID}`, method: 'GET' }],
    [
      'createIncident',
      () => createIncident(PROJECT_ID, { title: 'Checkout down', severity: 'critical' }),
      { url: '/incidents', method: 'POST', data: { title: 'Checkout down', severity: 'critical' } },
    ],
    [
      'updateIncident',
      () => updateIncident(PROJECT_ID, INCIDENT_ID, { service: null }),
      { url: `/incidents/${INCIDENT_ID}`, method: 'PATCH', data: { service: null } },
    ],
    [
      'transitionIncident',
      () => transitionIncident(PROJECT_ID, INCIDENT_ID, { to: 'acknowledged', note: 'on it' }),
      { url: `/incidents/${INCIDENT_ID}/transitions`, method: 'POST', data: { to: 'acknowledged', note: 'on it' } },
    ],
    [
      'commentOnIncident',
      () => commentOnIncident(PROJECT_ID, INCIDENT_ID, 'rolled back'),
      { url: `/incidents/${INCIDENT_ID}/comments`, method: 'POST', data: { body: 'rolled back' } },
    ],
    ['listIngestTokens', () => listIngestTokens(PROJECT_ID), { url: '/ingest-tokens', method: 'GET' }],
    [
      'createIngestToken',
      () => createIngestToken(PROJECT_ID, { name: 'prod', hmacSecret: 'a'.repeat(16) }),
      { url: '/ingest-tokens', method: 'POST', data: { name: 'prod', hmacSecret: 'a'.repeat(16) } },
    ],
    [
      'revokeIngestToken',
      () => revokeIngestToken(PROJECT_ID, TOKEN_ID),
      { url: `/ingest-tokens/${TOKEN_ID}`, method: 'DELETE' },
    ],
  ])('%s sends X-Project-Id', async (_name, call, expected) => {
    await call();
    expect(lastRequest()).toMatchObject({ ...expected, url: `${API_BASE_URL}${expected.url}` });
    expect(lastRequest().headers).toEqual({ 'X-Project-Id': PROJECT_ID });
  });

  it('sends only the audit filters that are set, and the cursor', async () => {
    await listAudit(PROJECT_ID, { action: 'member', actorId: '', resourceType: undefined, limit: 50, cursor: '120' });
    expect(lastRequest().params).toEqual({ action: 'member', limit: 50, cursor: '120' });
  });

  it('sends incident filters as the sidecar takes them: lists comma-separated, unset ones left out', async () => {
    await listIncidents(PROJECT_ID, {
      status: ['triggered', 'acknowledged'],
      severity: [],
      service: 'checkout-api',
      q: '',
      from: '2025-03-01T00:00:00.000Z',
      to: '2025-03-02T00:00:00.000Z',
      limit: 50,
      cursor: 'abc_-1',
    });
    expect(lastRequest().params).toEqual({
      status: 'triggered,acknowledged',
      service: 'checkout-api',
      from: '2025-03-01T00:00:00.000Z',
      to: '2025-03-02T00:00:00.000Z',
      limit: 50,
      cursor: 'abc_-1',
    });
  });

  it('keeps ids from walking out of their path', async () => {
    await getIncident(PROJECT_ID, '../projects');
    expect(lastRequest().url).toBe(`${API_BASE_URL}/incidents/..%2Fprojects`);
    expect(lastRequest().validatePath).toBe(true);
  });

  it('returns the response body', async () => {
    const page = { items: [], nextCursor: null };
    mockFetch.mockReturnValue(answer(page));
    await expect(listAudit(PROJECT_ID)).resolves.toEqual(page);
  });

  it("turns the sidecar's error body into an ApiError", async () => {
    mockFetch.mockReturnValue(
      fail(403, { error: { code: 'forbidden', message: 'needs the admin role', requestId: 'req-7' } }, 'Forbidden')
    );

    const error = await updateProject(PROJECT_ID, { name: 'x' }).catch((e) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      code: 'forbidden',
      status: 403,
      message: 'needs the admin role',
      requestId: 'req-7',
    });
  });

  it('keeps a 401 from the sidecar (a wrong shared secret) as unauthorized', async () => {
    mockFetch.mockReturnValue(
      fail(401, { error: { code: 'unauthorized', message: 'shared secret does not match', requestId: 'req-1' } })
    );
    await expect(whoami()).rejects.toMatchObject({
      code: 'unauthorized',
      status: 401,
      message: 'shared secret does not match',
    });
  });
});

describe('toApiError', () => {
  it('explains a proxy error when Grafana cannot reach the sidecar', () => {
    const error = toApiError({ status: 502, statusText: 'Bad Gateway', data: { message: 'Bad Gateway' }, config: {} });
    expect(error).toMatchObject({ code: 'unavailable', status: 502, requestId: null });
    expect(error.message).toMatch(/could not reach the SRE Copilot sidecar \(Bad Gateway\)/);
  });

  it("takes Grafana's own message for other proxy errors", () => {
    expect(toApiError({ status: 403, data: { message: 'Access denied' }, config: {} })).toMatchObject({
      code: 'forbidden',
      status: 403,
      message: 'Access denied',
    });
  });

  it('takes a plain text body as the message', () => {
    expect(toApiError({ status: 500, data: 'upstream exploded', config: {} })).toMatchObject({
      code: 'internal',
      status: 500,
      message: 'upstream exploded',
    });
  });

  it('falls back to the status when there is no message at all', () => {
    expect(toApiError({ status: 418, data: null, config: {} })).toMatchObject({
      code: 'internal',
      message: 'Request failed with status 418',
    });
  });

  it('reports a request that got no answer as a network error', () => {
    expect(toApiError(new TypeError('Failed to fetch'))).toMatchObject({
      code: 'network',
      status: 0,
      message: 'Network error: Failed to fetch',
    });
  });

  it('passes an ApiError through', () => {
    const error = new ApiError('conflict', 409, 'already there', 'req-2');
    expect(toApiError(error)).toBe(error);
  });
});
