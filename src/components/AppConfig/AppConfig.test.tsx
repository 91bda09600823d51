import React from 'react';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { AppPlugin, type AppPluginMeta } from '@grafana/data';
import { of, throwError } from 'rxjs';
import AppConfig, { normalizeSidecarUrl } from './AppConfig';
import { appPluginMeta } from '../../testing/appRootProps';
import { testIds } from '../testIds';
import type { AppJsonData } from '../../types';

const mockFetch = jest.fn();

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

function buildProps(meta: Partial<AppPluginMeta<AppJsonData>> = {}) {
  const plugin = new AppPlugin<AppJsonData>();
  plugin.meta = { ...appPluginMeta({}), enabled: true, pinned: true, ...meta };
  return { plugin, query: {} };
}

const urlInput = () => screen.getByTestId(testIds.appConfig.sidecarUrl);
const secretInput = () => screen.getByTestId(testIds.appConfig.sidecarSecret);
const saveButton = () => screen.getByTestId(testIds.appConfig.submit);

describe('AppConfig', () => {
  beforeEach(() => {
    mockFetch.mockReset();
    mockFetch.mockReturnValue(of({ data: {}, status: 200, ok: true }));
  });

  it('renders the sidecar URL field with the stored URL', () => {
    render(<AppConfig {...buildProps({ jsonData: { sidecarUrl: 'http://localhost:8787' } })} />);

    expect(screen.getByTestId(testIds.appConfig.container)).toBeInTheDocument();
    expect(screen.getByLabelText(/Sidecar URL/)).toBe(urlInput());
    expect(urlInput()).toHaveValue('http://localhost:8787');
  });

  it('shows a stored secret as "configured" without revealing it', () => {
    render(
      <AppConfig
        {...buildProps({
          jsonData: { sidecarUrl: 'http://localhost:8787' },
          secureJsonFields: { sidecarSecret: true },
        })}
      />
    );

    expect(secretInput()).toHaveValue('configured');
    expect(secretInput()).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Reset' })).toBeInTheDocument();
  });

  it('asks for a secret when none is stored', () => {
    render(<AppConfig {...buildProps({ jsonData: { sidecarUrl: 'http://localhost:8787' } })} />);

    expect(secretInput()).toHaveAttribute('type', 'password');
    expect(secretInput()).toHaveValue('');
    expect(saveButton()).toBeDisabled();
  });

  it('saves the URL and a new secret through the plugin settings API', async () => {
    render(
      <AppConfig
        {...buildProps({
          jsonData: { sidecarUrl: 'http://localhost:8787' },
          secureJsonFields: { sidecarSecret: true },
        })}
      />
    );

    fireEvent.click(screen.getByRole('button', { name: 'Reset' }));
    fireEvent.change(secretInput(), { target: { value: 'new-shared-secret' } });
    fireEvent.change(urlInput(), { target: { value: 'http://sidecar.internal:8787/' } });
    fireEvent.click(saveButton());

    await waitFor(() => expect(mockFetch).toHaveBeenCalledTimes(1));
    expect(mockFetch).toHaveBeenCalledWith({
      url: '/api/plugins/sre-copilot-app/settings',
      method: 'POST',
      data: {
        enabled: true,
        pinned: true,
        jsonData: { sidecarUrl: 'http://sidecar.internal:8787' },
        secureJsonData: { sidecarSecret: 'new-shared-secret' },
      },
    });
  });

  it('keeps the stored secret when only the URL changes', async () => {
    render(
      <AppConfig
        {...buildProps({
          jsonData: { sidecarUrl: 'http://localhost:8787' },
          secureJsonFields: { sidecarSecret: true },
        })}
      />
    );

    fireEvent.change(urlInput(), { target: { value: 'https://sidecar.example.com' } });
    fireEvent.click(saveButton());

    await waitFor(() => expect(mockFetch).toHaveBeenCalledTimes(1));
    const { data } = mockFetch.mock.calls[0][0];
    expect(data.jsonData).toEqual({ sidecarUrl: 'https://sidecar.example.com' });
    expect(data.secureJsonData).toBeUndefined();
  });

  it('does not save an invalid URL', () => {
    render(<AppConfig {...buildProps({ secureJsonFields: { sidecarSecret: true } })} />);

    fireEvent.change(urlInput(), { target: { value: 'localhost:8787' } });

    expect(screen.getByText('Enter an absolute http:// or https:// URL')).toBeInTheDocument();
    expect(saveButton()).toBeDisabled();
    fireEvent.submit(screen.getByTestId(testIds.appConfig.container));
    expect(mockFetch).not.toHaveBeenCalled();
  });

  it('shows the error when saving fails', async () => {
    mockFetch.mockReturnValue(
      throwError(() => ({ status: 403, statusText: 'Forbidden', data: { message: 'Permission denied' } }))
    );
    render(
      <AppConfig
        {...buildProps({
          jsonData: { sidecarUrl: 'http://localhost:8787' },
          secureJsonFields: { sidecarSecret: true },
        })}
      />
    );

    fireEvent.click(saveButton());

    expect(await screen.findByTestId(testIds.appConfig.error)).toHaveTextContent('Permission denied');
    expect(saveButton()).toBeEnabled();
  });
});

describe('AppConfig connection test', () => {
  const savedSettings = {
    jsonData: { sidecarUrl: 'http://localhost:8787' },
    secureJsonFields: { sidecarSecret: true },
  };
  const testButton = () => screen.getByTestId(testIds.appConfig.testConnection);

  beforeEach(() => {
    mockFetch.mockReset();
  });

  it('asks to save first while nothing is saved', () => {
    render(<AppConfig {...buildProps()} />);

    expect(testButton()).toBeDisabled();
    expect(screen.getByText(/Save the sidecar URL and shared secret first/)).toBeInTheDocument();
  });

  it('says who the sidecar took the caller for', async () => {
    mockFetch.mockReturnValue(
      of({
        data: {
          user: {
            id: 7,
            login: 'alice',
            name: 'Alice',
            email: 'alice@example.com',
            orgId: 2,
            orgRole: 'Admin',
            isServiceAccount: false,
          },
          teamIds: [4],
        },
        status: 200,
        ok: true,
      })
    );
    render(<AppConfig {...buildProps(savedSettings)} />);

    fireEvent.click(testButton());

    expect(await screen.findByTestId(testIds.appConfig.testConnectionSuccess)).toHaveTextContent(
      'Connected as alice (org 2, Admin)'
    );
    expect(mockFetch).toHaveBeenCalledWith(
      expect.objectContaining({
        url: '/api/plugin-proxy/sre-copilot-app/api/v1/whoami',
        method: 'GET',
        showErrorAlert: false,
      })
    );
  });

  it("shows the sidecar's error, e.g. for a wrong shared secret", async () => {
    mockFetch.mockReturnValue(
      throwError(() => ({
        status: 401,
        statusText: 'Unauthorized',
        data: {
          error: { code: 'unauthorized', message: 'the shared secret is not valid for org 2', requestId: 'r-1' },
        },
      }))
    );
    render(<AppConfig {...buildProps(savedSettings)} />);

    fireEvent.click(testButton());

    const result = await screen.findByTestId(testIds.appConfig.testConnectionError);
    expect(result).toHaveTextContent('the shared secret is not valid for org 2');
    expect(result).toHaveTextContent('HTTP 401');
    expect(result).toHaveTextContent('r-1');
    expect(screen.queryByTestId(testIds.appConfig.testConnectionSuccess)).not.toBeInTheDocument();
  });

  it('explains when Grafana cannot reach the sidecar', async () => {
    mockFetch.mockReturnValue(throwError(() => ({ status: 502, statusText: 'Bad Gateway', data: 'Bad Gateway' })));
    render(<AppConfig {...buildProps(savedSettings)} />);

    fireEvent.click(testButton());

    expect(await screen.findByTestId(testIds.appConfig.testConnectionError)).toHaveTextContent(
      'Grafana could not reach the SRE Copilot sidecar'
    );
  });
});

describe('normalizeSidecarUrl', () => {
  it.each([
    ['http://localhost:8787', 'http://localhost:8787'],
    ['http://localhost:8787/', 'http://localhost:8787'],
    ['https://sidecar.example.com/base//', 'https://sidecar.example.com/base'],
  ])('accepts %s', (input, expected) => {
    expect(normalizeSidecarUrl(input)).toBe(expected);
  });

  it.each(['', 'localhost:8787', 'ftp://sidecar.example.com', 'not a url'])('rejects %j', (input) => {
    expect(normalizeSidecarUrl(input)).toBeNull();
  });
});
