import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GrafanaHost } from './server.ts';

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface EchoUpstream {
  url: string;
  received: Received[];
  /** Answers a path itself instead of echoing (streams, cookies, status codes). */
  handlers: Map<string, (req: IncomingMessage, res: ServerResponse) => void>;
  close(): Promise<void>;
}

/** A tiny upstream that records every request and answers with what it received. */
export async function startEchoUpstream(): Promise<EchoUpstream> {
  const received: Received[] = [];
  const handlers = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(entry);
      const handler = handlers.get(new URL(entry.url, 'http://upstream').pathname);
      if (handler) {
        handler(req, res);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(entry));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    handlers,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface CallResult {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json(): unknown;
}

/**
 * One HTTP request to the host with full control over the headers (fetch would refuse some, e.g. Cookie). `as`
 * signs in first and sends that session's cookie along with any `cookie` header given.
 */
export function call(
  host: GrafanaHost,
  path: string,
  options: {
    method?: string;
    as?: [login: string, orgId: number];
    headers?: Record<string, string>;
    body?: unknown;
  } = {}
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.as) {
    const session = host.signIn(...options.as);
    headers.cookie = headers.cookie ? `${headers.cookie}; ${session}` : session;
  }
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (body !== undefined) {
    headers['content-type'] ??= 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = request(`${host.url}${path}`, { method: options.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
