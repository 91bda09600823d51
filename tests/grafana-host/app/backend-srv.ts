import { AppEvents, type AlertPayload, type AppEvent, type EventBusSrv } from '@grafana/data';
import { config, type BackendSrv, type BackendSrvRequest, type FetchError, type FetchResponse } from '@grafana/runtime';
import { Observable, lastValueFrom } from 'rxjs';

function isLocalUrl(url: string): boolean {
  return !/^https?:/.test(url);
}

/** Grafana's serializeParams: arrays repeat the key, null and undefined are left out. */
function serializeParams(params: Record<string, unknown> | undefined): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined || value === null) {
      continue;
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      search.append(key, typeof item === 'object' ? JSON.stringify(item) : String(item));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

function isBodyInit(data: unknown): data is BodyInit {
  return (
    typeof data === 'string' ||
    data instanceof FormData ||
    data instanceof Blob ||
    data instanceof URLSearchParams ||
    data instanceof ArrayBuffer ||
    ArrayBuffer.isView(data)
  );
}

/** Grafana's parseResponseBody: without a responseType, JSON when the text parses, else the text itself. */
async function parseBody(response: Response, responseType: BackendSrvRequest['responseType']): Promise<unknown> {
  switch (responseType) {
    case 'blob':
      return response.blob();
    case 'arraybuffer':
      return response.arrayBuffer();
    case 'text':
      return response.text();
    case 'json':
      return response.headers.get('Content-Length') === '0' ? {} : response.json();
  }
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A BackendSrv over window.fetch that behaves like Grafana's (public/app/core/services/backend_srv.ts) where plugins
 * can tell: local URLs are relative to the app root and carry X-Grafana-Org-Id; objects are sent as JSON; `fetch`
 * returns an Observable of `{data, status, ok, headers, …}` and errors with a FetchError `{status, data, …}` whose
 * `data.message` is filled in; success and error messages of local API calls show as toasts.
 */
/** A FetchResponse's fields but the data, as Grafana's backend_srv fills them from the fetch Response. */
function responseMeta(response: Response, config: BackendSrvRequest): Omit<FetchResponse, 'data'> {
  return {
    status: response.status,
    statusText: response.statusText,
    ok: response.ok,
    headers: response.headers,
    redirected: response.redirected,
    type: response.type,
    url: response.url,
    config,
  };
}

export class HostBackendSrv implements BackendSrv {
  private readonly appEvents: EventBusSrv;

  constructor(appEvents: EventBusSrv) {
    this.appEvents = appEvents;
  }

  fetch<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
    return new Observable<FetchResponse<T>>((subscriber) => {
      const controller = new AbortController();
      const onAbort = () => controller.abort();
      options.abortSignal?.addEventListener('abort', onAbort);
      this.send<T>(options, controller.signal).then(
        (response) => {
          subscriber.next(response);
          subscriber.complete();
        },
        (error) => subscriber.error(error)
      );
      return () => {
        options.abortSignal?.removeEventListener('abort', onAbort);
        controller.abort();
      };
    });
  }

  private async send<T>(options: BackendSrvRequest, signal: AbortSignal): Promise<FetchResponse<T>> {
    const config_ = { ...options };
    let url = options.url;
    const headers = new Headers();
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (value !== undefined && value !== null) {
        headers.set(name, String(value));
      }
    }
    if (isLocalUrl(url)) {
      if (options.validatePath !== false && /(^|\/)\.\.(\/|$)/.test(url.split('?')[0] ?? '')) {
        throw this.error(config_, 400, 'Bad Request', { message: 'Invalid request path' });
      }
      url = url.replace(/^\/+/, '');
      if (url.endsWith('/')) {
        url = url.slice(0, -1);
      }
      url = `${config.appSubUrl ?? ''}/${url}`;
      if (!headers.has('X-Grafana-Org-Id')) {
        headers.set('X-Grafana-Org-Id', String(config.bootData.user.orgId));
      }
    }
    url += serializeParams(options.params);
    let body: BodyInit | undefined;
    if (options.data !== undefined && options.data !== null) {
      if (isBodyInit(options.data)) {
        body = options.data;
      } else {
        body = JSON.stringify(options.data);
        if (!headers.has('Content-Type')) {
          headers.set('Content-Type', 'application/json');
        }
      }
    }
    if (!headers.has('Accept')) {
      headers.set('Accept', 'application/json, text/plain, */*');
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method: options.method ?? 'GET',
        headers,
        body,
        credentials: options.credentials ?? 'same-origin',
        signal,
      });
    } catch (cause) {
      if (signal.aborted) {
        throw {
          ...this.error(config_, -1, 'Request was aborted', { message: 'Request was aborted' }),
          cancelled: true,
        };
      }
      throw this.error(config_, 0, 'Network error', { message: (cause as Error).message });
    }
    const data = await parseBody(response, options.responseType);
    if (!response.ok) {
      throw this.processError(config_, response, data);
    }
    const result: FetchResponse<T> = { data: data as T, ...responseMeta(response, config_) };
    this.showSuccessAlert(result);
    return result;
  }

  private error(config_: BackendSrvRequest, status: number, statusText: string, data: unknown): FetchError {
    return { status, statusText, data, config: config_ };
  }

  private processError(config_: BackendSrvRequest, response: Response, raw: unknown): FetchError {
    let data = (raw ?? { message: 'Unexpected error' }) as Record<string, unknown> | string;
    if (typeof data === 'string') {
      data = { message: data, error: response.statusText, response: data };
    }
    if (!data.message && typeof data.error === 'string') {
      data.message = data.error;
    }
    const error: FetchError = { status: response.status, statusText: response.statusText, data, config: config_ };
    if (typeof data.message === 'string' && data.message) {
      const message = data.message;
      // As Grafana: a caller that handles the error sets isHandled before this fires.
      setTimeout(() => {
        if (!error.isHandled && config_.showErrorAlert !== false) {
          this.emit(response.status < 500 ? AppEvents.alertWarning : AppEvents.alertError, [message]);
        }
      }, 50);
    }
    return error;
  }

  private showSuccessAlert(response: FetchResponse): void {
    const { config: request } = response;
    if (request.showSuccessAlert === false) {
      return;
    }
    if (
      request.showSuccessAlert === undefined &&
      ((request.method ?? 'GET') === 'GET' || !isLocalUrl(request.url) || /\/api\/ds\/query/.test(request.url))
    ) {
      return;
    }
    const message = (response.data as { message?: unknown } | undefined)?.message;
    if (typeof message === 'string' && message) {
      this.emit(AppEvents.alertSuccess, [message]);
    }
  }

  private emit(event: AppEvent<AlertPayload> | typeof AppEvents.alertError, payload: AlertPayload): void {
    this.appEvents.emit(event as AppEvent<AlertPayload>, payload);
  }

  request<T = unknown>(options: BackendSrvRequest): Promise<T> {
    return lastValueFrom(this.fetch<T>(options)).then((response) => response.data);
  }

  datasourceRequest<T = unknown>(options: BackendSrvRequest): Promise<FetchResponse<T>> {
    return lastValueFrom(this.fetch<T>(options));
  }

  get<T = unknown>(
    url: string,
    params?: unknown,
    requestId?: string,
    options?: Partial<BackendSrvRequest>
  ): Promise<T> {
    return this.request<T>({ ...options, method: 'GET', url, params: params as Record<string, unknown>, requestId });
  }

  delete<T = unknown>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, method: 'DELETE', url, data });
  }

  post<T = unknown>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, method: 'POST', url, data });
  }

  patch<T = unknown>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, method: 'PATCH', url, data });
  }

  put<T = unknown>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, method: 'PUT', url, data });
  }

  chunked(options: BackendSrvRequest): Observable<FetchResponse<Uint8Array | undefined>> {
    return new Observable((subscriber) => {
      const controller = new AbortController();
      (async () => {
        const response = await fetch(`/${options.url.replace(/^\/+/, '')}`, {
          method: options.method ?? 'GET',
          headers: { ...(options.headers ?? {}), 'X-Grafana-Org-Id': String(config.bootData.user.orgId) },
          body: options.data === undefined ? undefined : JSON.stringify(options.data),
          signal: controller.signal,
        });
        const meta = responseMeta(response, options);
        const reader = response.body?.getReader();
        while (reader) {
          const { done, value } = await reader.read();
          if (done) {
            break;
          }
          subscriber.next({ ...meta, data: value });
        }
        subscriber.complete();
      })().catch((error) => subscriber.error(error));
      return () => controller.abort();
    });
  }
}
