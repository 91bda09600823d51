import React, { useCallback, useState } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, GrafanaTheme2 } from '@grafana/data';
import { Button, EmptyState, LoadingPlaceholder, Stack, Text, useStyles2 } from '@grafana/ui';
import { ApiError, listAudit, toApiError, type AuditListQuery, type AuditLogEntry } from '../../api';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { getTableStyles } from '../../components/DataTable/getTableStyles';
import { testIds } from '../../components/testIds';
import { useAsyncData } from '../../utils/useAsyncData';
import { summarizeDetails } from './auditFilters';

interface AuditResultsProps {
  projectId: string;
  query: AuditListQuery;
  /** Whether the query filters anything, for the empty state's wording. */
  isFiltered: boolean;
}

/** The pages loaded after the first one. */
interface MorePages {
  items: AuditLogEntry[];
  nextCursor: string | null;
}

/**
 * One listing of the audit log: the first page for the query, and more pages on request. Mounted afresh for
 * every query, so that pages of different queries never mix.
 */
export function AuditResults({ projectId, query, isFiltered }: AuditResultsProps) {
  const s = useStyles2(getStyles);
  const loadFirstPage = useCallback(() => listAudit(projectId, query), [projectId, query]);
  const firstPage = useAsyncData(loadFirstPage);
  const [more, setMore] = useState<MorePages | null>(null);
  const [isLoadingMore, setIsLoadingMore] = useState(false);
  const [loadMoreError, setLoadMoreError] = useState<ApiError | null>(null);

  if (firstPage.status === 'loading') {
    return <LoadingPlaceholder text="Loading the audit log…" data-testid={testIds.audit.loading} />;
  }
  if (firstPage.status === 'error') {
    return (
      <ApiErrorAlert
        title="Could not load the audit log"
        error={firstPage.error}
        onRetry={firstPage.reload}
        data-testid={testIds.audit.error}
      />
    );
  }

  const entries = more ? [...firstPage.data.items, ...more.items] : firstPage.data.items;
  const nextCursor = more ? more.nextCursor : firstPage.data.nextCursor;

  if (entries.length === 0) {
    return (
      <div data-testid={testIds.audit.empty}>
        <EmptyState
          variant="not-found"
          message={isFiltered ? 'No audit entries match these filters' : 'No audit entries yet'}
        >
          {isFiltered
            ? 'Widen the time range or clear a filter.'
            : 'Changes to this project, its members and integrations are recorded here.'}
        </EmptyState>
      </div>
    );
  }

  const onLoadMore = async () => {
    if (!nextCursor) {
      return;
    }
    setIsLoadingMore(true);
    setLoadMoreError(null);
    try {
      const page = await listAudit(projectId, { ...query, cursor: nextCursor });
      setMore((previous) => ({ items: [...(previous?.items ?? []), ...page.items], nextCursor: page.nextCursor }));
    } catch (error) {
      setLoadMoreError(toApiError(error));
    } finally {
      setIsLoadingMore(false);
    }
  };

  return (
    <Stack direction="column" gap={2}>
      <table className={s.table} data-testid={testIds.audit.table}>
        <thead>
          <tr>
            <th>Time</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Resource</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id} data-testid={testIds.audit.row} data-seq={entry.seq}>
              <td className={s.nowrap}>
                <Text tabular>{dateTimeFormat(entry.createdAt)}</Text>
              </td>
              <td>
                <Stack direction="column" gap={0}>
                  <Text>{entry.actor.name || entry.actor.id}</Text>
                  <Text color="secondary" variant="bodySmall">
                    {entry.actor.id}
                  </Text>
                </Stack>
              </td>
              <td>
                <code className={s.code}>{entry.action}</code>
              </td>
              <td>
                <Stack direction="column" gap={0}>
                  <Text>{entry.resourceType}</Text>
                  <Text color="secondary" variant="bodySmall" truncate>
                    {entry.resourceId}
                  </Text>
                </Stack>
              </td>
              <td className={s.details} title={JSON.stringify(entry.details, null, 2)}>
                <Text variant="bodySmall">{summarizeDetails(entry.details)}</Text>
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      {loadMoreError && (
        <ApiErrorAlert
          title="Could not load more entries"
          error={loadMoreError}
          data-testid={testIds.audit.loadMoreError}
        />
      )}
      <Stack direction="row" alignItems="center" gap={2}>
        <Text color="secondary">
          {entries.length} {entries.length === 1 ? 'entry' : 'entries'} shown
          {nextCursor ? '' : ', the oldest included'}
        </Text>
        {nextCursor && (
          <Button
            variant="secondary"
            icon={isLoadingMore ? 'spinner' : 'angle-down'}
            onClick={onLoadMore}
            disabled={isLoadingMore}
            data-testid={testIds.audit.loadMore}
          >
            {isLoadingMore ? 'Loading…' : 'Load more'}
          </Button>
        )}
      </Stack>
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  ...getTableStyles(theme, { highlightRowOnHover: true }),
  details: css({
    maxWidth: theme.spacing(60),
    wordBreak: 'break-word',
  }),
});
