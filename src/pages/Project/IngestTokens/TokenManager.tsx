import React, { useState } from 'react';
import { dateTimeFormat } from '@grafana/data';
import { Badge, Button, ConfirmModal, EmptyState, Stack, Text, useStyles2 } from '@grafana/ui';
import { ApiError, revokeIngestToken, toApiError, type CreatedIngestToken, type IngestToken } from '../../../api';
import { getTableStyles } from '../../../components/DataTable/getTableStyles';
import { testIds } from '../../../components/testIds';
import { useNow } from '../../../utils/useNow';
import { CreatedTokenPanel } from './CreatedTokenPanel';
import { CreateTokenForm } from './CreateTokenForm';
import { LastDelivery } from './LastDelivery';
import type { CreatedToken, IngestTokensProps } from './types';

/** What the list keeps of a created token: everything but the token itself. */
function withoutSecret(created: CreatedIngestToken): IngestToken {
  const { id, name, prefix, hmac, createdBy, createdAt, revokedAt, lastDelivery } = created;
  return { id, name, prefix, hmac, createdBy, createdAt, revokedAt, lastDelivery };
}

/** The token list with its revoke buttons, the token just created and the form to create another. */
export function TokenManager({
  projectId,
  projectSlug,
  sidecarUrl,
  initialTokens,
}: IngestTokensProps & { initialTokens: IngestToken[] }) {
  const s = useStyles2(getTableStyles);
  const now = useNow();
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
              <th>Last delivery</th>
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
                  <LastDelivery delivery={token.lastDelivery} now={now} />
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
