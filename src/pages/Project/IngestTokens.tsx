import React, { FormEvent, useCallback, useState } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, GrafanaTheme2 } from '@grafana/data';
import { config } from '@grafana/runtime';
import {
  Alert,
  Badge,
  Button,
  ClipboardButton,
  ConfirmModal,
  EmptyState,
  Field,
  FieldSet,
  Input,
  LoadingPlaceholder,
  Stack,
  Switch,
  Text,
  useStyles2,
} from '@grafana/ui';
import {
  ApiError,
  createIngestToken,
  listIngestTokens,
  revokeIngestToken,
  toApiError,
  type CreatedIngestToken,
  type CreateIngestTokenBody,
  type IngestToken,
} from '../../api';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { getTableStyles } from '../../components/DataTable/getTableStyles';
import { testIds } from '../../components/testIds';
import { useAsyncData } from '../../utils/useAsyncData';
import { alertmanagerSnippet, grafanaContactPointSnippet } from './ingestSnippets';

interface IngestTokensProps {
  projectId: string;
  projectSlug: string;
  /** The sidecar's base URL from the app's settings; senders post there directly. */
  sidecarUrl: string | undefined;
}

/** The project's ingest tokens, with which Alertmanager and Grafana send alerts; shown to admins only. */
export function IngestTokens({ projectId, projectSlug, sidecarUrl }: IngestTokensProps) {
  const load = useCallback(() => listIngestTokens(projectId), [projectId]);
  const tokens = useAsyncData(load);

  return (
    <div data-testid={testIds.ingestTokens.container} id="ingest-tokens">
      <FieldSet label="Ingest tokens">
        <Stack direction="column" gap={2}>
          <Text color="secondary" element="p">
            Alertmanager and Grafana alerting send their alerts straight to the sidecar (not through Grafana), with an
            ingest token of this project in the Authorization header. Alerts become signals, and related signals become
            incidents. Give each sender its own token, so that one can be revoked alone.
          </Text>
          {tokens.status === 'loading' && (
            <LoadingPlaceholder text="Loading ingest tokens…" data-testid={testIds.ingestTokens.loading} />
          )}
          {tokens.status === 'error' && (
            <ApiErrorAlert
              title="Could not load the ingest tokens"
              error={tokens.error}
              onRetry={tokens.reload}
              data-testid={testIds.ingestTokens.error}
            />
          )}
          {tokens.status === 'success' && (
            <TokenManager
              projectId={projectId}
              projectSlug={projectSlug}
              sidecarUrl={sidecarUrl}
              initialTokens={tokens.data.items}
            />
          )}
        </Stack>
      </FieldSet>
    </div>
  );
}

/** A created token and the HMAC secret typed for it: both exist only here, until the admin dismisses them. */
interface CreatedToken {
  token: CreatedIngestToken;
  hmacSecret: string | undefined;
}

/** What the list keeps of a created token: everything but the token itself. */
function withoutSecret(created: CreatedIngestToken): IngestToken {
  const { id, name, prefix, hmac, createdBy, createdAt, revokedAt } = created;
  return { id, name, prefix, hmac, createdBy, createdAt, revokedAt };
}

function TokenManager({
  projectId,
  projectSlug,
  sidecarUrl,
  initialTokens,
}: IngestTokensProps & { initialTokens: IngestToken[] }) {
  const s = useStyles2(getStyles);
  const [tokens, setTokens] = useState(initialTokens);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [toRevoke, setToRevoke] = useState<IngestToken | null>(null);
  const [revokeError, setRevokeError] = useState<{ tokenId: string; error: ApiError } | null>(null);

  const onCreated = (next: CreatedToken) => {
    setTokens((list) => [withoutSecret(next.token), ...list]);
    setCreated(next);
  };

  const onConfirmRevoke = async () => {
    const token = toRevoke;
    if (!token) {
      return;
    }
    setRevokeError(null);
    try {
      await revokeIngestToken(projectId, token.id);
      // The sidecar answers 204 without the token; its revocation time is close enough to now.
      const revokedAt = new Date().toISOString();
      setTokens((list) => list.map((t) => (t.id === token.id ? { ...t, revokedAt } : t)));
    } catch (error) {
      setRevokeError({ tokenId: token.id, error: toApiError(error) });
    } finally {
      setToRevoke(null);
    }
  };

  return (
    <Stack direction="column" gap={3}>
      {created && (
        <CreatedTokenPanel
          created={created}
          sidecarUrl={sidecarUrl}
          projectSlug={projectSlug}
          onDismiss={() => setCreated(null)}
        />
      )}

      {tokens.length === 0 ? (
        <div data-testid={testIds.ingestTokens.empty}>
          <EmptyState variant="not-found" message="No ingest tokens yet">
            Create one below, then paste the configuration it comes with into Alertmanager or Grafana.
          </EmptyState>
        </div>
      ) : (
        <table className={s.table} data-testid={testIds.ingestTokens.table}>
          <thead>
            <tr>
              <th>Name</th>
              <th>Token</th>
              <th>HMAC</th>
              <th>Created</th>
              <th>Status</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {tokens.map((token) => (
              <tr
                key={token.id}
                data-testid={testIds.ingestTokens.row}
                data-token-id={token.id}
                data-revoked={String(token.revokedAt !== null)}
              >
                <td>{token.name}</td>
                <td>
                  <code className={s.code}>{token.prefix}…</code>
                </td>
                <td>
                  {token.hmac ? (
                    <Stack direction="column" gap={0}>
                      <Text>Yes</Text>
                      <Text color="secondary" variant="bodySmall">
                        {token.hmac.header}
                        {token.hmac.timestampHeader ? `, timestamp in ${token.hmac.timestampHeader}` : ''}
                      </Text>
                    </Stack>
                  ) : (
                    <Text color="secondary">No</Text>
                  )}
                </td>
                <td className={s.nowrap}>
                  <Stack direction="column" gap={0}>
                    <Text tabular>{dateTimeFormat(token.createdAt)}</Text>
                    <Text color="secondary" variant="bodySmall">
                      by {token.createdBy}
                    </Text>
                  </Stack>
                </td>
                <td className={s.nowrap}>
                  {token.revokedAt ? (
                    <Badge color="darkgrey" text={`Revoked ${dateTimeFormat(token.revokedAt)}`} />
                  ) : (
                    <Badge color="green" text="Active" />
                  )}
                </td>
                <td>
                  {!token.revokedAt && (
                    <Button
                      size="sm"
                      variant="destructive"
                      fill="outline"
                      icon="times-circle"
                      onClick={() => setToRevoke(token)}
                      data-testid={testIds.ingestTokens.revokeButton}
                    >
                      Revoke
                    </Button>
                  )}
                  {revokeError?.tokenId === token.id && (
                    <div className={s.rowError} data-testid={testIds.ingestTokens.revokeError}>
                      <Text color="error" variant="bodySmall">
                        {revokeError.error.message}
                      </Text>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <CreateTokenForm projectId={projectId} onCreated={onCreated} />

      <ConfirmModal
        isOpen={toRevoke !== null}
        title="Revoke ingest token"
        body={`Revoke "${toRevoke?.name ?? ''}"? Senders that use it are refused from then on; this cannot be undone.`}
        confirmText="Revoke"
        onConfirm={onConfirmRevoke}
        onDismiss={() => setToRevoke(null)}
      />
    </Stack>
  );
}

const HEADER_NAME = /^[A-Za-z0-9-]{1,100}$/;
const HMAC_SECRET_MIN_LENGTH = 16;

/** A random secret for HMAC signatures: 32 bytes as hex. */
function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function CreateTokenForm({ projectId, onCreated }: { projectId: string; onCreated: (created: CreatedToken) => void }) {
  const [name, setName] = useState('');
  const [useHmac, setUseHmac] = useState(false);
  const [hmacSecret, setHmacSecret] = useState('');
  const [timestampHeader, setTimestampHeader] = useState('');
  const [isSaving, setIsSaving] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const isNameMissing = name.trim() === '';
  const isSecretTooShort = useHmac && hmacSecret.length < HMAC_SECRET_MIN_LENGTH;
  const isTimestampHeaderInvalid =
    useHmac && timestampHeader.trim() !== '' && !HEADER_NAME.test(timestampHeader.trim());
  const isInvalid = isNameMissing || isSecretTooShort || isTimestampHeaderInvalid;

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (isInvalid || isSaving) {
      return;
    }
    const body: CreateIngestTokenBody = { name: name.trim() };
    if (useHmac) {
      body.hmacSecret = hmacSecret;
      if (timestampHeader.trim()) {
        body.timestampHeader = timestampHeader.trim();
      }
    }
    setIsSaving(true);
    setError(null);
    try {
      const token = await createIngestToken(projectId, body);
      onCreated({ token, hmacSecret: useHmac ? hmacSecret : undefined });
      setName('');
      setUseHmac(false);
      setHmacSecret('');
      setTimestampHeader('');
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setIsSaving(false);
    }
  };

  return (
    <form onSubmit={onSubmit} data-testid={testIds.ingestTokens.createForm}>
      <FieldSet label="Create a token">
        <Field label="Name" description="Which sender uses it, e.g. prod-alertmanager">
          <Input
            id="ingest-token-name"
            width={40}
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            data-testid={testIds.ingestTokens.nameInput}
          />
        </Field>
        <Field
          label="Sign with HMAC"
          description="For Grafana contact points: the sidecar then also checks Grafana's HMAC signature of every request"
        >
          <Switch
            id="ingest-token-hmac"
            value={useHmac}
            onChange={(e) => setUseHmac(e.currentTarget.checked)}
            data-testid={testIds.ingestTokens.hmacSwitch}
          />
        </Field>
        {useHmac && (
          <>
            <Field
              label="HMAC secret"
              description={`At least ${HMAC_SECRET_MIN_LENGTH} characters; the same secret goes into the contact point`}
              invalid={hmacSecret !== '' && isSecretTooShort}
              error={
                hmacSecret !== '' && isSecretTooShort ? `At least ${HMAC_SECRET_MIN_LENGTH} characters` : undefined
              }
            >
              <Input
                id="ingest-token-hmac-secret"
                width={60}
                maxLength={1024}
                autoComplete="off"
                value={hmacSecret}
                onChange={(e) => setHmacSecret(e.currentTarget.value)}
                data-testid={testIds.ingestTokens.hmacSecretInput}
                addonAfter={
                  <Button
                    type="button"
                    variant="secondary"
                    icon="sync"
                    onClick={() => setHmacSecret(randomSecret())}
                    data-testid={testIds.ingestTokens.hmacGenerate}
                  >
                    Generate
                  </Button>
                }
              />
            </Field>
            <Field
              label="Timestamp header"
              description="Optional: when the contact point's HMAC settings name a timestamp header, the same name here; the timestamp is then signed too"
              invalid={isTimestampHeaderInvalid}
              error={isTimestampHeaderInvalid ? 'Letters, digits and dashes only' : undefined}
            >
              <Input
                id="ingest-token-timestamp-header"
                width={40}
                maxLength={100}
                placeholder="X-Grafana-Alerting-Timestamp"
                value={timestampHeader}
                onChange={(e) => setTimestampHeader(e.currentTarget.value)}
                data-testid={testIds.ingestTokens.timestampHeaderInput}
              />
            </Field>
          </>
        )}
        <Stack direction="column" gap={2} alignItems="flex-start">
          {error && (
            <ApiErrorAlert
              title="Could not create the token"
              error={error}
              data-testid={testIds.ingestTokens.createError}
            />
          )}
          <Button
            type="submit"
            icon="plus"
            disabled={isInvalid || isSaving}
            data-testid={testIds.ingestTokens.createSubmit}
          >
            {isSaving ? 'Creating…' : 'Create token'}
          </Button>
        </Stack>
      </FieldSet>
    </form>
  );
}

interface CreatedTokenPanelProps {
  created: CreatedToken;
  sidecarUrl: string | undefined;
  projectSlug: string;
  onDismiss: () => void;
}

/** The new token, once: to copy, and pasted into ready configuration for Alertmanager and Grafana. */
function CreatedTokenPanel({ created, sidecarUrl, projectSlug, onDismiss }: CreatedTokenPanelProps) {
  const s = useStyles2(getStyles);
  const { token, hmacSecret } = created;
  const alertmanager = alertmanagerSnippet({ sidecarUrl, token, projectSlug });
  const grafana = grafanaContactPointSnippet({
    sidecarUrl,
    token,
    projectSlug,
    orgId: config.bootData.user.orgId,
    hmacSecret,
  });

  return (
    <section className={s.created} data-testid={testIds.ingestTokens.created} aria-label="New ingest token">
      <Stack direction="column" gap={2}>
        <Alert severity="success" title={`Token "${token.name}" created: copy it now`}>
          This is the only time the token is shown. The sidecar keeps only a hash of it; if it is lost, create another
          one and revoke this one.
        </Alert>
        <Field label="Token">
          <Input
            readOnly
            value={token.token}
            className={s.monospace}
            data-testid={testIds.ingestTokens.createdToken}
            addonAfter={
              <ClipboardButton
                icon="copy"
                variant="primary"
                getText={() => token.token}
                data-testid={testIds.ingestTokens.copyToken}
              >
                Copy
              </ClipboardButton>
            }
          />
        </Field>
        {!sidecarUrl && (
          <Alert severity="warning" title="Sidecar URL not set">
            The app&apos;s configuration has no sidecar URL, so the snippets say {'<sidecar URL>'}: put in the address
            at which the sender reaches the sidecar.
          </Alert>
        )}
        <Snippet
          title="Alertmanager"
          description="A webhook receiver. The URL is the sidecar as Grafana reaches it; use the address at which Alertmanager reaches it if that differs."
          text={alertmanager}
          testId={testIds.ingestTokens.alertmanagerSnippet}
        />
        <Snippet
          title="Grafana alerting"
          description="A webhook contact point, as file provisioning takes it; in the contact point form the same values go into URL, Authorization header credentials and HMAC signature."
          text={grafana}
          testId={testIds.ingestTokens.grafanaSnippet}
        />
        <div>
          <Button
            variant="secondary"
            icon="check"
            onClick={onDismiss}
            data-testid={testIds.ingestTokens.dismissCreated}
          >
            Done: I have copied the token
          </Button>
        </div>
      </Stack>
    </section>
  );
}

function Snippet({
  title,
  description,
  text,
  testId,
}: {
  title: string;
  description: string;
  text: string;
  testId: string;
}) {
  const s = useStyles2(getStyles);
  return (
    <Stack direction="column" gap={1}>
      <Stack direction="row" justifyContent="space-between" alignItems="flex-end" gap={2}>
        <Stack direction="column" gap={0}>
          <Text element="h3" variant="h5">
            {title}
          </Text>
          <Text color="secondary" variant="bodySmall">
            {description}
          </Text>
        </Stack>
        <ClipboardButton icon="copy" variant="secondary" size="sm" getText={() => text}>
          Copy
        </ClipboardButton>
      </Stack>
      <pre className={s.snippet} data-testid={testId}>
        {text}
      </pre>
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  ...getTableStyles(theme),
  code: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  monospace: css({
    input: {
      fontFamily: theme.typography.fontFamilyMonospace,
    },
  }),
  nowrap: css({
    whiteSpace: 'nowrap',
  }),
  rowError: css({
    marginTop: theme.spacing(0.5),
  }),
  created: css({
    padding: theme.spacing(2),
    border: `1px solid ${theme.colors.success.border}`,
    borderRadius: theme.shape.radius.default,
  }),
  snippet: css({
    margin: 0,
    padding: theme.spacing(1.5),
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    background: theme.colors.background.canvas,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    overflowX: 'auto',
    whiteSpace: 'pre',
  }),
});
