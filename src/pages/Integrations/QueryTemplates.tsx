import React, { useCallback, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import {
  Alert,
  Badge,
  type BadgeColor,
  Button,
  ConfirmModal,
  EmptyState,
  Field,
  LoadingPlaceholder,
  Stack,
  Text,
  TextArea,
  useStyles2,
} from '@grafana/ui';
import {
  ApiError,
  getQueryTemplates,
  putQueryTemplates,
  resetQueryTemplates,
  toApiError,
  type QueryTemplateList,
  type QueryTemplatesBody,
  type TierName,
} from '../../api';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { getTableStyles } from '../../components/DataTable/getTableStyles';
import { testIds } from '../../components/testIds';
import { useAsyncData } from '../../utils/useAsyncData';
import { useSubmit } from '../../utils/useSubmit';
import { formatInterval, parseTemplatesYaml, templatesToYaml } from './queryTemplates';

const ids = testIds.integrations.templates;

const TIER_COLORS: Record<TierName, BadgeColor> = {
  critical: 'red',
  standard: 'darkgrey',
};

interface QueryTemplatesProps {
  projectId: string;
  canManage: boolean;
}

/** The project's PromQL templates: a table for everyone; admins edit them as YAML or go back to the defaults. */
export function QueryTemplates({ projectId, canManage }: QueryTemplatesProps) {
  const load = useCallback(() => getQueryTemplates(projectId), [projectId]);
  const templates = useAsyncData(load);

  return (
    <div data-testid={ids.container}>
      {templates.status === 'loading' && (
        <LoadingPlaceholder text="Loading PromQL templates…" data-testid={ids.loading} />
      )}
      {templates.status === 'error' && (
        <ApiErrorAlert
          title="Could not load the PromQL templates"
          error={templates.error}
          onRetry={templates.reload}
          data-testid={ids.error}
        />
      )}
      {templates.status === 'success' && (
        <TemplatesView projectId={projectId} canManage={canManage} initial={templates.data} />
      )}
    </div>
  );
}

function TemplatesView({ projectId, canManage, initial }: QueryTemplatesProps & { initial: QueryTemplateList }) {
  const s = useStyles2(getStyles);
  const [list, setList] = useState(initial);
  const [draft, setDraft] = useState<string | null>(null);
  // What is wrong with the YAML before anything is sent; the sidecar's own objections come from `save`.
  const [parseError, setParseError] = useState<string | null>(null);
  const [isConfirmingReset, setIsConfirmingReset] = useState(false);
  const [resetError, setResetError] = useState<ApiError | null>(null);

  const save = useSubmit((body: QueryTemplatesBody) => putQueryTemplates(projectId, body), {
    onSuccess: (saved) => {
      setList(saved);
      setDraft(null);
    },
  });
  // The sidecar names the template and field at fault, e.g. "templates.2.query: …".
  const saveError = parseError ?? save.error?.message ?? null;
  const saveRequestId = parseError === null ? (save.error?.requestId ?? null) : null;

  const isDefault = list.source === 'default';

  const startEditing = () => {
    setDraft(templatesToYaml(list.templates));
    setParseError(null);
    save.reset();
  };

  const onSave = () => {
    if (draft === null) {
      return;
    }
    const parsed = parseTemplatesYaml(draft);
    if (!parsed.ok) {
      setParseError(parsed.error);
      return;
    }
    setParseError(null);
    save.submit(parsed.body);
  };

  const onConfirmReset = async () => {
    setResetError(null);
    try {
      setList(await resetQueryTemplates(projectId));
      setDraft(null);
    } catch (error) {
      setResetError(toApiError(error));
    } finally {
      setIsConfirmingReset(false);
    }
  };

  return (
    <Stack direction="column" gap={2}>
      <Stack direction="row" justifyContent="space-between" alignItems="flex-start" gap={2}>
        <Stack direction="column" gap={1}>
          <div data-testid={ids.sourceBadge} data-source={list.source}>
            {isDefault ? (
              <Badge color="blue" icon="info-circle" text="Defaults" />
            ) : (
              <Badge color="purple" icon="pen" text="Customised for this project" />
            )}
          </div>
          <Text color="secondary" element="p">
            Instant PromQL queries that every Prometheus integration of the project runs on a schedule.{' '}
            <code className={s.code}>{'{{filter}}'}</code> in a query becomes the integration&apos;s label filter; the
            service template names the service of each series from its labels.
            {isDefault && ' These are the sidecar’s defaults: the project has not changed them.'}
          </Text>
        </Stack>
        {canManage && draft === null && (
          <Stack direction="row" gap={1}>
            {!isDefault && (
              <Button
                variant="destructive"
                fill="outline"
                icon="history"
                onClick={() => setIsConfirmingReset(true)}
                data-testid={ids.resetButton}
              >
                Reset to defaults
              </Button>
            )}
            <Button icon="pen" onClick={startEditing} data-testid={ids.editButton}>
              Edit templates
            </Button>
          </Stack>
        )}
      </Stack>

      {resetError && (
        <ApiErrorAlert title="Could not reset the templates" error={resetError} data-testid={ids.resetError} />
      )}

      {draft !== null && (
        <Stack direction="column" gap={1}>
          <Field
            label="Templates (YAML)"
            description="name, query, service, direction (up, down, both), tier (critical, standard), intervalSeconds, unit, enabled"
          >
            <TextArea
              className={s.editor}
              rows={Math.min(30, Math.max(10, draft.split('\n').length + 1))}
              spellCheck={false}
              value={draft}
              onChange={(e) => setDraft(e.currentTarget.value)}
              data-testid={ids.editor}
            />
          </Field>
          {saveError && (
            <Alert severity="error" title="The templates were not saved" data-testid={ids.saveError}>
              <pre className={s.message}>{saveError}</pre>
              {saveRequestId && (
                <Text color="secondary" variant="bodySmall">
                  Request id: {saveRequestId}
                </Text>
              )}
            </Alert>
          )}
          <Stack direction="row" gap={1}>
            <Button
              icon={save.submitting ? 'spinner' : 'save'}
              disabled={save.submitting}
              onClick={onSave}
              data-testid={ids.saveButton}
            >
              Save templates
            </Button>
            <Button variant="secondary" fill="outline" onClick={() => setDraft(null)} data-testid={ids.cancelButton}>
              Cancel
            </Button>
          </Stack>
        </Stack>
      )}

      {list.templates.length === 0 ? (
        <div data-testid={ids.empty}>
          <EmptyState variant="not-found" message="No PromQL templates">
            Nothing is polled for this project.
            {canManage ? ' Edit the templates to add some, or reset to the defaults.' : ''}
          </EmptyState>
        </div>
      ) : (
        <table className={s.table} data-testid={ids.table}>
          <thead>
            <tr>
              <th>Name</th>
              <th>Query</th>
              <th>Service</th>
              <th>Direction</th>
              <th>Tier</th>
              <th>Every</th>
              <th>Enabled</th>
            </tr>
          </thead>
          <tbody>
            {list.templates.map((template) => {
              const interval = list.effectiveIntervals[template.name] ?? template.intervalSeconds;
              return (
                <tr key={template.name} data-testid={ids.row} data-name={template.name}>
                  <td>
                    <Stack direction="column" gap={0}>
                      <Text weight="medium">{template.name}</Text>
                      {template.description && (
                        <Text color="secondary" variant="bodySmall">
                          {template.description}
                        </Text>
                      )}
                    </Stack>
                  </td>
                  <td>
                    <code className={s.query}>{template.query}</code>
                    {template.unit && (
                      <Text color="secondary" variant="bodySmall">
                        {' '}
                        ({template.unit})
                      </Text>
                    )}
                  </td>
                  <td>
                    <code className={s.code}>{template.service}</code>
                  </td>
                  <td>{template.direction}</td>
                  <td>
                    <Badge color={TIER_COLORS[template.tier]} text={template.tier} />
                  </td>
                  <td className={s.nowrap}>{interval !== undefined ? formatInterval(interval) : '—'}</td>
                  <td>
                    {template.enabled ? (
                      <Badge color="green" text="Enabled" />
                    ) : (
                      <Badge color="darkgrey" text="Disabled" />
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      <ConfirmModal
        isOpen={isConfirmingReset}
        title="Reset PromQL templates"
        body="Drop this project's templates and poll the sidecar's defaults again? The project's own templates are lost."
        confirmText="Reset to defaults"
        onConfirm={onConfirmReset}
        onDismiss={() => setIsConfirmingReset(false)}
      />
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  ...getTableStyles(theme),
  query: css({
    display: 'block',
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
    padding: theme.spacing(0.5, 1),
    background: theme.colors.background.canvas,
    borderRadius: theme.shape.radius.default,
  }),
  editor: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  message: css({
    margin: 0,
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'pre-wrap',
  }),
});
