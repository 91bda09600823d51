import React, { useCallback } from 'react';
import { Badge, Button, Stack } from '@grafana/ui';
import { verifyAudit } from '../../api';
import { testIds } from '../../components/testIds';
import { useAsyncData } from '../../utils/useAsyncData';
import { describeChain } from './auditFilters';

/** Whether the project's audit hash chain is intact, from the sidecar's walk over it; can be checked again. */
export function ChainStatus({ projectId }: { projectId: string }) {
  const verify = useCallback(() => verifyAudit(projectId), [projectId]);
  const { status, data, error, reload } = useAsyncData(verify);

  let badge: React.ReactNode;
  if (status === 'loading') {
    badge = (
      <Badge
        color="blue"
        icon="sync"
        text="Verifying chain…"
        data-testid={testIds.audit.chainStatus}
        data-state="verifying"
      />
    );
  } else if (status === 'error') {
    badge = (
      <Badge
        color="orange"
        icon="exclamation-triangle"
        text={`Chain not verified: ${error.message}`}
        tooltip={error.requestId ? `Request id: ${error.requestId}` : undefined}
        data-testid={testIds.audit.chainStatus}
        data-state="error"
      />
    );
  } else if (data.ok) {
    badge = (
      <Badge
        color="green"
        icon="check-circle"
        text={describeChain(data)}
        tooltip="Every entry links to the one before it and matches its hash."
        data-testid={testIds.audit.chainStatus}
        data-state="intact"
      />
    );
  } else {
    badge = (
      <Badge
        color="red"
        icon="exclamation-circle"
        text={describeChain(data)}
        tooltip={`The entries from here on cannot be trusted. Entry id: ${data.firstBroken?.id ?? 'unknown'}.`}
        data-testid={testIds.audit.chainStatus}
        data-state="broken"
      />
    );
  }

  return (
    <Stack direction="row" alignItems="center" gap={1}>
      {badge}
      <Button
        size="sm"
        variant="secondary"
        icon="sync"
        onClick={reload}
        disabled={status === 'loading'}
        data-testid={testIds.audit.verifyButton}
      >
        Verify again
      </Button>
    </Stack>
  );
}
