/** Ready-to-paste sender configuration for a new ingest token: Alertmanager and Grafana alerting. */
import type { CreatedIngestToken } from '../../api';

/** Written in place of the sidecar URL when the app's settings have none. */
export const SIDECAR_URL_PLACEHOLDER = '<sidecar URL>';

export const ALERTMANAGER_WEBHOOK_PATH = '/api/v1/webhooks/alertmanager';
export const GRAFANA_WEBHOOK_PATH = '/api/v1/webhooks/grafana';

interface SnippetInput {
  /** The sidecar's base URL; senders post to it directly, not through Grafana. */
  sidecarUrl: string | undefined;
  token: CreatedIngestToken;
  /** The project's slug, to name the receiver after the project. */
  projectSlug: string;
}

/** A YAML double-quoted scalar; JSON strings are valid ones, with every special character escaped. */
const quoted = (value: string) => JSON.stringify(value);

const baseUrl = (sidecarUrl: string | undefined) =>
  sidecarUrl ? sidecarUrl.replace(/\/+$/, '') : SIDECAR_URL_PLACEHOLDER;

const receiverName = (projectSlug: string) => `sre-copilot-${projectSlug}`.slice(0, 100);

/** A receiver for alertmanager.yml; route the project's alerts to it. */
export function alertmanagerSnippet({ sidecarUrl, token, projectSlug }: SnippetInput): string {
  return [
    '# alertmanager.yml: add this receiver, then route the alerts of the project to it',
    'receivers:',
    `  - name: ${quoted(receiverName(projectSlug))}`,
    '    webhook_configs:',
    `      - url: ${quoted(`${baseUrl(sidecarUrl)}${ALERTMANAGER_WEBHOOK_PATH}`)}`,
    '        # Resolved notifications close the signals, and with them the incident.',
    '        send_resolved: true',
    '        http_config:',
    '          authorization:',
    '            type: Bearer',
    `            credentials: ${quoted(token.token)}`,
    '',
  ].join('\n');
}

/**
 * A webhook contact point as Grafana's alerting file provisioning takes it; the same values go into the contact
 * point form (URL, Authorization header credentials, HMAC signature). The HMAC secret is not stored in the
 * browser: `hmacSecret` is what was typed when the token was created.
 */
export function grafanaContactPointSnippet({
  sidecarUrl,
  token,
  projectSlug,
  orgId,
  hmacSecret,
}: SnippetInput & { orgId: number; hmacSecret: string | undefined }): string {
  const lines = [
    '# Grafana alerting provisioning, e.g. provisioning/alerting/sre-copilot.yaml',
    'apiVersion: 1',
    'contactPoints:',
    `  - orgId: ${orgId}`,
    `    name: ${quoted(receiverName(projectSlug))}`,
    '    receivers:',
    `      - uid: ${quoted(`sre-copilot-${token.id.slice(0, 8)}`)}`,
    '        type: webhook',
    '        settings:',
    `          url: ${quoted(`${baseUrl(sidecarUrl)}${GRAFANA_WEBHOOK_PATH}`)}`,
    '          httpMethod: POST',
    '          authorization_scheme: Bearer',
    `          authorization_credentials: ${quoted(token.token)}`,
  ];
  if (token.hmac) {
    lines.push(
      '          hmacConfig:',
      `            secret: ${quoted(hmacSecret ?? '<the HMAC secret entered for this token>')}`,
      `            header: ${quoted(token.hmac.header)}`
    );
    if (token.hmac.timestampHeader) {
      lines.push(`            timestampHeader: ${quoted(token.hmac.timestampHeader)}`);
    }
  }
  lines.push('');
  return lines.join('\n');
}
