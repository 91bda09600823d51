import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { redactUrl } from './redact-url.ts';

/**
 * What went wrong in one HTTP exchange: `network` before an answer came, `broken` while it was read, `timeout` for
 * the whole exchange, `redirect` (never followed) and `too_large` (the body bound). Each adapter turns it into an
 * error in its own words; this message is only a fallback and names no credentials.
 */
export type TransportErrorKind = 'network' | 'broken' | 'timeout' | 'redirect' | 'too_large';

export class TransportError extends Error {
  readonly kind: TransportErrorKind;
  /** The answer's status, when one came (`redirect`, `too_large`). */
  readonly status?: number;
  /** A redirect's `Location` header as sent. */
  readonly location?: string;
  /** The bound that was hit: the timeout (`timeout`) or the largest body (`too_large`). */
  readonly limit?: number;

  constructor(
    kind: TransportErrorKind,
    message: string,
    options?: { status?: number; location?: string; limit?: number; cause?: unknown }
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportError';
    this.kind = kind;
    if (options?.status !== undefined) {
      this.status = options.status;
    }
    if (options?.location !== undefined) {
      this.location = options.location;
    }
    if (options?.limit !== undefined) {
      this.limit = options.limit;
    }
  }
}

export interface TransportRequest {
  /** Checked before by the caller (see allow-list.ts); the transport sends wherever it is told. */
  url: URL;
  method: string;
  headers: Record<string, string>;
  /** Sent as UTF-8 with its `content-length`. */
  body?: string;
  /** From sending the request to the end of the body. */
  timeoutMs: number;
  /** Largest body read; a larger answer, declared or streamed, fails with `too_large`. */
  maxResponseBytes: number;
  /** Aborting rejects with the signal's reason, as it is, and cuts the connection. */
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body decoded as UTF-8. */
  text: string;
}

type Exchange = TransportResponse | { staleSocket: true; error: TransportError };

/**
 * HTTP(S) over node:http(s) with kept-alive connections (a third of fetch's CPU per request, measured by
 * bench/poll.ts for Prometheus). Never follows a redirect; a timeout covers the whole exchange; the body is bounded.
 * One instance per adapter: it owns the connection pools that `close()` ends.
 */
export class HttpTransport {
  // Kept-alive connections; idle ones close after 30 s and never keep the process alive.
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxFreeSockets: 64, timeout: 30_000 });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, maxFreeSockets: 64, timeout: 30_000 });

  /** One request and its answer, whatever its status; rejects with a TransportError or the signal's reason. */
  async send(request: TransportRequest): Promise<TransportResponse> {
    request.signal?.throwIfAborted();
    let answer = await this.exchange(request);
    if ('staleSocket' in answer) {
      // A kept-alive connection the server had closed meanwhile: once more on a fresh one.
      answer = await this.exchange(request);
    }
    if ('staleSocket' in answer) {
      throw answer.error;
    }
    return answer;
  }

  /** Closes the kept-alive connections (requests in flight are cut off). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private exchange({ url, method, headers, body, timeoutMs, maxResponseBytes, signal }: TransportRequest) {
    const https = url.protocol === 'https:';
    const sent = body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    return new Promise<Exchange>((resolve, reject) => {
      let settled = false;
      const finish = (error: unknown, value?: Exchange) => {
        if (settled) {
          return;
        }
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) {
          resolve(value!);
        } else {
          reject(error);
        }
      };
      const request = (https ? httpsRequest : httpRequest)(url, {
        method,
        headers: sent,
        agent: https ? this.httpsAgent : this.httpAgent,
      });
      const timer = setTimeout(() => {
        finish(
          new TransportError('timeout', `${redactUrl(url)} did not answer within ${timeoutMs} ms`, {
            limit: timeoutMs,
          })
        );
        request.destroy();
      }, timeoutMs);
      const onAbort = () => {
        finish(signal!.reason);
        request.destroy();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', (error) => {
        const network = new TransportError('network', `${redactUrl(url)} cannot be reached: ${networkReason(error)}`, {
          cause: error,
        });
        if (request.reusedSocket && (error as { code?: string }).code === 'ECONNRESET') {
          finish(undefined, { staleSocket: true, error: network });
        } else {
          finish(network);
        }
      });
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          const location = response.headers.location;
          response.destroy();
          finish(
            new TransportError('redirect', `${redactUrl(url)} answered with a redirect (${status})`, {
              status,
              location,
            })
          );
          return;
        }
        const tooLarge = () =>
          new TransportError('too_large', `${redactUrl(url)} answered with more than ${maxResponseBytes} bytes`, {
            status,
            limit: maxResponseBytes,
          });
        if (Number(response.headers['content-length']) > maxResponseBytes) {
          response.destroy();
          finish(tooLarge());
          return;
        }
        const chunks: Buffer[] = [];
        let total = 0;
        response.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total > maxResponseBytes) {
            response.destroy();
            finish(tooLarge());
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () =>
          finish(undefined, { status, headers: response.headers, text: Buffer.concat(chunks, total).toString('utf8') })
        );
        response.on('error', (error) =>
          finish(
            new TransportError('broken', `${redactUrl(url)} broke off its answer: ${networkReason(error)}`, {
              status,
              cause: error,
            })
          )
        );
        response.on('close', () => {
          if (!response.complete) {
            finish(new TransportError('broken', `${redactUrl(url)} broke off its answer`, { status }));
          }
        });
      });
      request.end(body);
    });
  }
}

/** A network error (or one it was caused by) in words an operator can act on. */
export function networkReason(error: unknown): string {
  let cause: unknown = error;
  for (let depth = 0; depth < 4 && cause; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') {
      const known: Record<string, string> = {
        ECONNREFUSED: 'connection refused (nothing listens on that port?)',
        ENOTFOUND: 'the host name does not resolve',
        EAI_AGAIN: 'the host name does not resolve (DNS temporarily unavailable)',
        ECONNRESET: 'the connection was reset',
        EHOSTUNREACH: 'the host is unreachable',
        ENETUNREACH: 'the network is unreachable',
        UND_ERR_SOCKET: 'the connection closed unexpectedly',
      };
      return known[code] ?? code;
    }
    cause = (cause as { cause?: unknown }).cause;
  }
  return 'the connection failed';
}
