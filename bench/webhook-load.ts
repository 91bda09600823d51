/**
 * The webhook load the benchmarks share: Alertmanager v4 webhooks of 10 new alerts each, and an open-loop sender that
 * posts them at a fixed rate over keep-alive connections.
 */
import { Agent, request } from 'node:http';
import { alertmanagerPayload } from '../pkg/testing/alert-payloads.ts';

/** A generator of webhook bodies: 10 alerts over 20 services, every alert new (fingerprints `<prefix><n>-<i>`). */
export function webhookBodies(prefix: string): () => string {
  let counter = 0;
  return () => {
    const n = counter++;
    return JSON.stringify(
      alertmanagerPayload(
        Array.from({ length: 10 }, (_, i) => ({
          name: `Load${i}`,
          service: `svc-${(n + i) % 20}`,
          fingerprint: `${prefix}${n}-${i}`,
        })),
        `{}:{service="svc-${n % 20}"}`
      )
    );
  };
}

export interface PacedResult {
  /** Latency of each 2xx answer, counted from when its request was due (ms, in order of answer). */
  latencies: number[];
  non2xx: number;
  /** Requests that got no answer. */
  errors: number;
}

/**
 * Posts `rate × duration` bodies at evenly spaced instants (open loop: a stall delays the count of every request it
 * holds up, since each latency is counted from when the request was due).
 */
export async function sendPaced(
  url: string,
  headers: Record<string, string>,
  body: () => string,
  options: { rate: number; duration: number }
): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL(url);
  const result: PacedResult = { latencies: [], non2xx: 0, errors: 0 };
  const send = (dueMs: number) =>
    new Promise<void>((resolve) => {
      const payload = body();
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode! >= 200 && res.statusCode! < 300) {
              result.latencies.push(performance.now() - dueMs);
            } else {
              result.non2xx += 1;
            }
            resolve();
          });
        }
      );
      req.on('error', () => {
        result.errors += 1;
        resolve();
      });
      req.end(payload);
    });
  const intervalMs = 1000 / options.rate;
  const total = Math.round(options.rate * options.duration);
  const startMs = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; i < total;) {
    const now = performance.now();
    for (; i < total && startMs + i * intervalMs <= now; i++) {
      inFlight.push(send(startMs + i * intervalMs));
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, startMs + i * intervalMs - performance.now())));
  }
  await Promise.all(inFlight);
  agent.destroy();
  return result;
}
