/**
 * Ready-to-paste sender configuration for a new ingest token: Alertmanager, Grafana alerting, and a signed request
 * to the signals API for a token with an HMAC secret.
 */
import type { CreatedIngestToken } from '../../api';

/** Written in place of the sidecar URL when the app's settings have none. */
export const SIDECAR_URL_PLACEHOLDER = '<sidecar URL>';

export const ALERTMANAGER_WEBHOOK_PATH = '/api/v1/webhooks/alertmanager';
export const GRAFANA_WEBHOOK_PATH = '/api/v1/webhooks/grafana';
export const SIGNALS_PATH = '/api/v1/signals';

/** Written in place of the HMAC secret when it is not known here; the browser does not keep it. */
const HMAC_SECRET_PLACEHOLDER = '<the HMAC secret entered for this token>';

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
      `            secret: ${quoted(hmacSecret ?? HMAC_SECRET_PLACEHOLDER)}`,
      `            header: ${quoted(token.hmac.header)}`
    );
    if (token.hmac.timestampHeader) {
      lines.push(`            timestampHeader: ${quoted(token.hmac.timestampHeader)}`);
    }
  }
  lines.push('');
  return lines.join('\n');
}

/** A POSIX shell single-quoted word: nothing in it is expanded, and a `'` is closed, escaped and reopened. */
const shellQuoted = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * A signed request to the signals API, for a token with an HMAC secret: the sender signs the exact body like
 * Grafana does (hex HMAC-SHA256 with the secret, in the token's signature header), and when the token names a
 * timestamp header, signs `<unix seconds>:<body>` and sends the timestamp in it. Alertmanager cannot sign, so this
 * is what such a token offers instead of an Alertmanager receiver.
 */
export function signedSignalsSnippet({
  sidecarUrl,
  token,
  hmacSecret,
}: Omit<SnippetInput, 'projectSlug'> & { hmacSecret: string | undefined }): string {
  const header = token.hmac?.header ?? 'X-Grafana-Alerting-Signature';
  const timestampHeader = token.hmac?.timestampHeader ?? null;
  const lines = [
    '# Send signals to the sidecar, signed with the HMAC secret of the token',
    `SIDECAR_URL=${shellQuoted(baseUrl(sidecarUrl))}`,
    `INGEST_TOKEN=${shellQuoted(token.token)}`,
    `HMAC_SECRET=${shellQuoted(hmacSecret ?? HMAC_SECRET_PLACEHOLDER)}`,
    `body='{"signals":[{"title":"Disk almost full","service":"search"}]}'`,
  ];
  if (timestampHeader) {
    lines.push(
      'ts=$(date +%s)',
      `sig=$(printf '%s:%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$HMAC_SECRET" -hex | sed 's/^.* //')`,
      `curl -sS "$SIDECAR_URL${SIGNALS_PATH}" -H "Authorization: Bearer $INGEST_TOKEN" \\`,
      `  -H 'Content-Type: application/json' -H "${header}: $sig" \\`,
      `  -H "${timestampHeader}: $ts" --data-binary "$body"`
    );
  } else {
    lines.push(
      `sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$HMAC_SECRET" -hex | sed 's/^.* //')`,
      `curl -sS "$SIDECAR_URL${SIGNALS_PATH}" -H "Authorization: Bearer $INGEST_TOKEN" \\`,
      `  -H 'Content-Type: application/json' -H "${header}: $sig" --data-binary "$body"`
    );
  }
  lines.push('');
  return lines.join('\n');
}
