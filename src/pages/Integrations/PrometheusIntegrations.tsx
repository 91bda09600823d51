import React, { useCallback, useState } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, GrafanaTheme2 } from '@grafana/data';
import { getDataSourceSrv } from '@grafana/runtime';
import { Badge, Button, ConfirmModal, EmptyState, LoadingPlaceholder, Stack, Text, useStyles2 } from '@grafana/ui';
import {
  ApiError,
  deleteIntegration,
  listIntegrations,
  testIntegration,
  toApiError,
  type Integration,
  type IntegrationTestResult,
} from '../../api';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { getTableStyles } from '../../components/DataTable/getTableStyles';
import { testIds } from '../../components/testIds';
import { useAsyncData } from '../../utils/useAsyncData';
import { PrometheusIntegrationForm } from './PrometheusIntegrationForm';

interface PrometheusIntegrationsProps {
  projectId: string;
  canManage: boolean;
}

/** The project's Prometheus integrations; admins add, edit, test and delete them. */
export function PrometheusIntegrations({ projectId, canManage }: PrometheusIntegrationsProps) {
  const load = useCallback(() => listIntegrations(projectId), [projectId]);
  const integrations = useAsyncData(load);

  if (integrations.status === 'loading') {
    return <LoadingPlaceholder text="Loading integrations…" data-testid={testIds.integrations.loading} />;
  }
  if (integrations.status === 'error') {
    return (
      <ApiErrorAlert
        title="Could not load the integrations"
        error={integrations.error}
        onRetry={integrations.reload}
        data-testid={testIds.integrations.error}
      />
    );
  }
  return (
    <IntegrationManager
      projectId={projectId}
      canManage={canManage}
      initial={integrations.data.items.filter((i) => i.type === 'prometheus')}
    />
  );
}

/** A test of this session: running, its result, or why the call itself failed. */
type TestState =
  { status: 'running' } | { status: 'done'; result: IntegrationTestResult } | { status: 'failed'; error: ApiError };

function IntegrationManager({
  projectId,
  canManage,
  initial,
}: PrometheusIntegrationsProps & { initial: Integration[] }) {
  const s = useStyles2(getStyles);
  const [items, setItems] = useState(initial);
  const [tests, setTests] = useState<Record<string, TestState>>({});
  const [editing, setEditing] = useState<Integration | 'new' | null>(null);
  const [toDelete, setToDelete] = useState<Integration | null>(null);
  const [rowError, setRowError] = useState<{ id: string; error: ApiError } | null>(null);

  const onSaved = (saved: Integration) => {
    setItems((list) =>
      list.some((i) => i.id === saved.id) ? list.map((i) => (i.id === saved.id ? saved : i)) : [...list, saved]
    );
    // A result from before the change says nothing about the new settings.
    setTests(({ [saved.id]: _dropped, ...rest }) => rest);
    setEditing(null);
  };

  const runTest = async (integration: Integration) => {
    setTests((all) => ({ ...all, [integration.id]: { status: 'running' } }));
    try {
      const result = await testIntegration(projectId, integration.id);
      setTests((all) => ({ ...all, [integration.id]: { status: 'done', result } }));
    } catch (error) {
      setTests((all) => ({ ...all, [integration.id]: { status: 'failed', error: toApiError(error) } }));
    }
  };

  const onConfirmDelete = async () => {
    const integration = toDelete;
    if (!integration) {
      return;
    }
    setRowError(null);
    try {
      await deleteIntegration(projectId, integration.id);
      setItems((list) => list.filter((i) => i.id !== integration.id));
    } catch (error) {
      setRowError({ id: integration.id, error: toApiError(error) });
    } finally {
      setToDelete(null);
    }
  };

  return (
    <Stack direction="column" gap={2}>
      <Stack direction="row" justifyContent="space-between" alignItems="flex-start" gap={2}>
        <Text color="secondary" element="p">
          The sidecar polls the project&apos;s PromQL templates on these Prometheus servers and turns what deviates from
          its baseline into signals.
        </Text>
        {canManage && (
          <Button icon="plus" onClick={() => setEditing('new')} data-testid={testIds.integrations.addButton}>
            Add Prometheus
          </Button>
        )}
      </Stack>

      {!canManage && (
        <div data-testid={testIds.integrations.readOnlyNotice}>
          <Text color="secondary" variant="bodySmall" element="p">
            Project admins add, change and test integrations; you can see them.
          </Text>
        </div>
      )}

      {items.length === 0 ? (
        <div data-testid={testIds.integrations.empty}>
          <EmptyState variant="not-found" message="No Prometheus integrations yet">
            {canManage
              ? 'Add one: pick a Prometheus data source of this Grafana, or give the URL of a Prometheus server.'
              : 'A project admin adds them here.'}
          </EmptyState>
        </div>
      ) : (
        <table className={s.table} data-testid={testIds.integrations.table}>
          <thead>
            <tr>
              <th>Name</th>
              <th>Connection</th>
              <th>Target</th>
              <th>Credentials</th>
              <th>Last test</th>
              {canManage && <th aria-label="Actions" />}
            </tr>
          </thead>
          <tbody>
            {items.map((integration) => (
              <IntegrationRow
                key={integration.id}
                integration={integration}
                canManage={canManage}
                test={tests[integration.id]}
                error={rowError?.id === integration.id ? rowError.error : null}
                onTest={() => runTest(integration)}
                onEdit={() => setEditing(integration)}
                onDelete={() => setToDelete(integration)}
              />
            ))}
          </tbody>
        </table>
      )}

      {canManage && editing !== null && (
        <PrometheusIntegrationForm
          projectId={projectId}
          integration={editing === 'new' ? null : editing}
          onSaved={onSaved}
          onClose={() => setEditing(null)}
        />
      )}

      <ConfirmModal
        isOpen={toDelete !== null}
        title="Delete integration"
        body={`Delete "${toDelete?.name ?? ''}"? The sidecar stops polling it and forgets its credentials.`}
        confirmText="Delete"
        onConfirm={onConfirmDelete}
        onDismiss={() => setToDelete(null)}
      />
    </Stack>
  );
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

const SECRET_LABELS: Record<string, string> = { password: 'Password', bearerToken: 'Bearer token' };

function IntegrationRow({
  integration,
  canManage,
  test,
  error,
  onTest,
  onEdit,
  onDelete,
}: {
  integration: Integration;
  canManage: boolean;
  test: TestState | undefined;
  error: ApiError | null;
  onTest: () => void;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const s = useStyles2(getStyles);
  const { config } = integration;
  const mode = config.mode === 'direct' ? 'direct' : 'grafana';
  return (
    <tr data-testid={testIds.integrations.row} data-integration-id={integration.id} data-mode={mode}>
      <td className={s.nowrap}>
        <Text weight="medium">{integration.name}</Text>
      </td>
      <td className={s.nowrap}>
        {mode === 'grafana' ? (
          <Badge color="blue" icon="database" text="Grafana data source" />
        ) : (
          <Badge color="purple" icon="link" text="Direct" />
        )}
      </td>
      <td data-testid={testIds.integrations.rowTarget}>
        <Stack direction="column" gap={0}>
          {mode === 'grafana' ? (
            <DatasourceName uid={text(config.datasourceUid)} />
          ) : (
            <code className={s.code}>{text(config.url)}</code>
          )}
          {mode === 'direct' && text(config.username) && (
            <Text color="secondary" variant="bodySmall">
              as {text(config.username)}
            </Text>
          )}
          {text(config.labelFilter) && (
            <Text color="secondary" variant="bodySmall">
              filter <code className={s.code}>{text(config.labelFilter)}</code>
            </Text>
          )}
        </Stack>
      </td>
      <td data-testid={testIds.integrations.rowSecrets}>
        {integration.secretFields.length > 0 ? (
          <Stack direction="row" gap={0.5} wrap="wrap">
            {integration.secretFields.map((field) => (
              <Badge key={field} color="green" icon="lock" text={`${SECRET_LABELS[field] ?? field} configured`} />
            ))}
          </Stack>
        ) : (
          <Text color="secondary">{mode === 'grafana' ? "Grafana's service account" : 'None'}</Text>
        )}
      </td>
      <td>
        <TestResult test={test} />
      </td>
      {canManage && (
        <td>
          <Stack direction="row" gap={1} justifyContent="flex-end">
            <Button
              size="sm"
              variant="secondary"
              icon={test?.status === 'running' ? 'spinner' : 'bolt'}
              disabled={test?.status === 'running'}
              onClick={onTest}
              data-testid={testIds.integrations.testButton}
            >
              Test
            </Button>
            <Button
              size="sm"
              variant="secondary"
              icon="pen"
              onClick={onEdit}
              data-testid={testIds.integrations.editButton}
            >
              Edit
            </Button>
            <Button
              size="sm"
              variant="destructive"
              fill="outline"
              icon="trash-alt"
              onClick={onDelete}
              data-testid={testIds.integrations.deleteButton}
            >
              Delete
            </Button>
          </Stack>
          {error && (
            <div className={s.rowError} data-testid={testIds.integrations.rowError}>
              <Text color="error" variant="bodySmall">
                {error.message}
              </Text>
            </div>
          )}
        </td>
      )}
    </tr>
  );
}

/** The data source's name from Grafana, or its UID when this Grafana does not have it (any more). */
function DatasourceName({ uid }: { uid: string }) {
  const ds = getDataSourceSrv().getInstanceSettings(uid);
  if (!ds) {
    return (
      <Stack direction="row" gap={1} alignItems="center">
        <code>{uid}</code>
        <Badge color="orange" icon="exclamation-triangle" text="Not found in Grafana" />
      </Stack>
    );
  }
  return (
    <Stack direction="column" gap={0}>
      <Text>{ds.name}</Text>
      <Text color="secondary" variant="bodySmall">
        {uid}
      </Text>
    </Stack>
  );
}

function TestResult({ test }: { test: TestState | undefined }) {
  if (!test) {
    return <Text color="secondary">Not tested</Text>;
  }
  if (test.status === 'running') {
    return <Text color="secondary">Testing…</Text>;
  }
  if (test.status === 'failed') {
    return (
      <div data-testid={testIds.integrations.rowTestResult} data-ok="false">
        <Text color="error" variant="bodySmall">
          {test.error.message}
        </Text>
      </div>
    );
  }
  const { result } = test;
  return (
    <div data-testid={testIds.integrations.rowTestResult} data-ok={String(result.ok)}>
      <Stack direction="column" gap={0}>
        {result.ok ? (
          <Text color="success">
            {result.version ? `Prometheus ${result.version}` : 'Connected'} · {result.latencyMs} ms
          </Text>
        ) : (
          <Text color="error">{result.error ?? 'The test failed'}</Text>
        )}
        {result.targets && (
          <Text color="secondary" variant="bodySmall">
            Targets up: {result.targets.up} of {result.targets.total}
          </Text>
        )}
        <Text color="secondary" variant="bodySmall">
          {dateTimeFormat(result.checkedAt)}
        </Text>
      </Stack>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  ...getTableStyles(theme),
  code: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    wordBreak: 'break-all',
  }),
});
