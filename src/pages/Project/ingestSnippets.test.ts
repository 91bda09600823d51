import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CreatedIngestToken } from '../../api';
import { makeIngestToken } from '../../testing/fakeIncidents';
import { alertmanagerSnippet, grafanaContactPointSnippet, signedSignalsSnippet } from './ingestSnippets';

const token: CreatedIngestToken = { ...makeIngestToken(), token: 'sct_secret-token' };

describe('ingest snippets', () => {
  it('gives Alertmanager a webhook receiver with the token as bearer credentials', () => {
    const text = alertmanagerSnippet({ sidecarUrl: 'http://sidecar:8787/', token, projectSlug: 'payments' });
    expect(text).toContain('  - name: "sre-copilot-payments"');
    expect(text).toContain('      - url: "http://sidecar:8787/api/v1/webhooks/alertmanager"');
    expect(text).toContain('        send_resolved: true');
    expect(text).toMatch(/http_config:\n {10}authorization:\n {12}type: Bearer\n {12}credentials: "sct_secret-token"/);
  });

  it('gives Grafana a webhook contact point with the token and the HMAC settings', () => {
    const text = grafanaContactPointSnippet({
      sidecarUrl: 'https://sidecar.example',
      token: {
        ...token,
        hmac: { header: 'X-Grafana-Alerting-Signature', timestampHeader: 'X-Ts', toleranceSeconds: 300 },
      },
      projectSlug: 'payments',
      orgId: 3,
      hmacSecret: 'a"quoted\\secret-0123',
    });
    expect(text).toContain('  - orgId: 3');
    expect(text).toContain('          url: "https://sidecar.example/api/v1/webhooks/grafana"');
    expect(text).toContain('          authorization_scheme: Bearer');
    expect(text).toContain('          authorization_credentials: "sct_secret-token"');
    expect(text).toContain('            secret: "a\\"quoted\\\\secret-0123"');
    expect(text).toContain('            header: "X-Grafana-Alerting-Signature"');
    expect(text).toContain('            timestampHeader: "X-Ts"');
  });

  it('leaves HMAC out for a token without it, and marks a missing sidecar URL', () => {
    const text = grafanaContactPointSnippet({
      sidecarUrl: undefined,
      token,
      projectSlug: 'p',
      orgId: 1,
      hmacSecret: undefined,
    });
    expect(text).not.toContain('hmacConfig');
    expect(text).toContain('url: "<sidecar URL>/api/v1/webhooks/grafana"');
  });

  describe('signed request to the signals API', () => {
    interface Received {
      url: string | undefined;
      headers: IncomingHttpHeaders;
      body: string;
    }

    /** Runs the snippet in a real shell, with real openssl and curl, against a local HTTP server. */
    async function runSnippet(snippet: (sidecarUrl: string) => string): Promise<Received> {
      let received: Received | undefined;
      const server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          received = { url: request.url, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
          response.end('{}');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        await new Promise<void>((resolve, reject) =>
          execFile('sh', ['-c', snippet(`http://127.0.0.1:${port}/`)], (error) => (error ? reject(error) : resolve()))
        );
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
      if (!received) {
        throw new Error('the snippet sent nothing');
      }
      return received;
    }

    const hmac = (secret: string, text: string) => createHmac('sha256', secret).update(text, 'utf8').digest('hex');

    it('signs the exact body with the secret, in the header of the token', async () => {
      const secret = `it's a "secret" with $HOME and \\ in it`;
      const signed: CreatedIngestToken = {
        ...token,
        hmac: { header: 'X-Signature', timestampHeader: null, toleranceSeconds: 300 },
      };
      const received = await runSnippet((sidecarUrl) =>
        signedSignalsSnippet({ sidecarUrl, token: signed, hmacSecret: secret })
      );

      expect(received.url).toBe('/api/v1/signals');
      expect(received.headers.authorization).toBe('Bearer sct_secret-token');
      expect(received.headers['content-type']).toBe('application/json');
      expect(JSON.parse(received.body)).toEqual({ signals: [{ title: 'Disk almost full', service: 'search' }] });
      expect(received.headers['x-signature']).toBe(hmac(secret, received.body));
    });

    it('signs the timestamp with the body when the token has a timestamp header', async () => {
      const signed: CreatedIngestToken = {
        ...token,
        hmac: { header: 'X-Grafana-Alerting-Signature', timestampHeader: 'X-Ts', toleranceSeconds: 300 },
      };
      const before = Math.floor(Date.now() / 1000);
      const received = await runSnippet((sidecarUrl) =>
        signedSignalsSnippet({ sidecarUrl, token: signed, hmacSecret: 'a-long-enough-hmac-secret' })
      );

      const timestamp = String(received.headers['x-ts']);
      expect(Number(timestamp)).toBeGreaterThanOrEqual(before);
      expect(Number(timestamp)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
      expect(received.headers['x-grafana-alerting-signature']).toBe(
        hmac('a-long-enough-hmac-secret', `${timestamp}:${received.body}`)
      );
    });

    it('marks a secret and a sidecar URL that are not known', () => {
      const text = signedSignalsSnippet({
        sidecarUrl: undefined,
        token: { ...token, hmac: { header: 'X-Signature', timestampHeader: null, toleranceSeconds: 300 } },
        hmacSecret: undefined,
      });
      expect(text).toContain("SIDECAR_URL='<sidecar URL>'");
      expect(text).toContain("HMAC_SECRET='<the HMAC secret entered for this token>'");
    });
  });
});
