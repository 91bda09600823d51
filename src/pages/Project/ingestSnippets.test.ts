import type { CreatedIngestToken } from '../../api';
import { makeIngestToken } from '../../testing/fakeIncidents';
import { alertmanagerSnippet, grafanaContactPointSnippet } from './ingestSnippets';

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
});
