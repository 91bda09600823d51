import React, { useCallback } from 'react';
import { FieldSet, LoadingPlaceholder, Stack, Text } from '@grafana/ui';
import { listIngestTokens } from '../../../api';
import { ApiErrorAlert } from '../../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../../components/testIds';
import { useAsyncData } from '../../../utils/useAsyncData';
import { TokenManager } from './TokenManager';
import type { IngestTokensProps } from './types';

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
