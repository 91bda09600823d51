import React from 'react';
import { Alert, Button, Stack, Text } from '@grafana/ui';
import type { ApiError } from '../../api';

interface ApiErrorAlertProps {
  title: string;
  error: ApiError;
  /** Shows a Retry button when given. */
  onRetry?: () => void;
  'data-testid'?: string;
  /** The Retry button's test id. */
  retryTestId?: string;
}

/** A failed sidecar call: what went wrong, and the request id that finds it in the sidecar's log. */
export function ApiErrorAlert({ title, error, onRetry, retryTestId, 'data-testid': testId }: ApiErrorAlertProps) {
  return (
    <Alert severity="error" title={title} data-testid={testId}>
      <Stack direction="column" gap={1} alignItems="flex-start">
        <Text element="p">{error.message}</Text>
        {error.requestId && (
          <Text color="secondary" variant="bodySmall">
            Request id: {error.requestId}
          </Text>
        )}
        {onRetry && (
          <Button size="sm" variant="secondary" icon="sync" onClick={onRetry} data-testid={retryTestId}>
            Retry
          </Button>
        )}
      </Stack>
    </Alert>
  );
}
