import { of, throwError } from 'rxjs';
import { ApiError, toApiError } from './errors';
import {
  API_BASE_URL,
  getProject,
  listAudit,
  listMembers,
  listProjects,
  putMember,
  removeMember,
  switchProject,
  updateProject,
  verifyAudit,
  whoami,
} from './sidecar';
import { PROJECT_HEADER } from '../../pkg/contract';

const mockFetch = jest.fn();

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

const PROJECT_ID = '0b9f3f5e-8a47-4d2b-9a53-2f0e7f1c9a11';

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
    await verifyAudit(PROJECT_ID);
    const headerNames = Object.keys(lastRequest().headers).map((name) => name.toLowerCase());
    expect(headerNames).toEqual([PROJECT_HEADER]);
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
  ])('%s sends X-Project-Id', async (_name, call, expected) => {
    await call();
    expect(lastRequest()).toMatchObject({ ...expected, url: `${API_BASE_URL}${expected.url}` });
    expect(lastRequest().headers).toEqual({ 'X-Project-Id': PROJECT_ID });
  });

  it('sends only the audit filters that are set, and the cursor', async () => {
    await listAudit(PROJECT_ID, { action: 'member', actorId: '', resourceType: undefined, limit: 50, cursor: '120' });
    expect(lastRequest().params).toEqual({ action: 'member', limit: 50, cursor: '120' });
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
