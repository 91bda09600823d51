import React, { useCallback, useEffect, useRef, useState } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, GrafanaTheme2 } from '@grafana/data';
import { Button, EmptyState, Icon, LoadingPlaceholder, Stack, Text, TextLink, Tooltip, useStyles2 } from '@grafana/ui';
import {
  ApiError,
  getIncident,
  listIncidents,
  toApiError,
  type Incident,
  type IncidentListQuery,
  type IncidentPage,
} from '../../api';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { getTableStyles } from '../../components/DataTable/getTableStyles';
import { SeverityBadge, StatusBadge } from '../../components/IncidentBadges/IncidentBadges';
import { testIds } from '../../components/testIds';
import { ROUTES } from '../../constants';
import { formatAge, formatDuration } from '../../incidents/incidentText';
import { useEventsWhileLoading, useProjectEventListener, type ProjectEvents } from '../../project/useProjectEvents';
import { createRefreshQueue, type RefreshQueue } from '../../utils/refreshQueue';
import { useAsyncData } from '../../utils/useAsyncData';
import { useNow } from '../../utils/useNow';
import { incidentUrl, prefixRoute } from '../../utils/utils.routing';
import { hasIncidentFilters, toIncidentQuery, type IncidentFilterValues } from './incidentFilters';
import { appendPage, mergeFirstPage, replaceIncident, type Listing } from './incidentListing';

interface IncidentListProps {
  projectId: string;
  filters: IncidentFilterValues;
  /** The project's live events. */
  events: ProjectEvents;
}

/**
 * One listing of incidents: the first page for the filters, more pages on request, kept current by live events.
 * Mounted afresh whenever filters are applied, so that pages of different queries never mix.
 */
export function IncidentList({ projectId, filters, events }: IncidentListProps) {
  // Taken once per listing: a relative time range then covers the same span on every page and every refresh.
  const [query] = useState(() => toIncidentQuery(filters));
  const [isFiltered] = useState(() => hasIncidentFilters(filters));
  const loadFirstPage = useCallback(() => listIncidents(projectId, query), [projectId, query]);
  const firstPage = useAsyncData(loadFirstPage);
  const takeMissedEvents = useEventsWhileLoading(events, firstPage.status === 'loading');

  if (firstPage.status === 'loading') {
    return <LoadingPlaceholder text="Loading incidents…" data-testid={testIds.incidents.loading} />;
  }
  if (firstPage.status === 'error') {
    return (
      <ApiErrorAlert
        title="Could not load the incidents"
        error={firstPage.error}
        onRetry={firstPage.reload}
        data-testid={testIds.incidents.error}
      />
    );
  }
  return (
    <LiveIncidentList
      projectId={projectId}
      query={query}
      isFiltered={isFiltered}
      events={events}
      firstPage={firstPage.data}
      takeMissedEvents={takeMissedEvents}
    />
  );
}

/** The refresh queue's key for "read the first page again"; other keys are incident ids. */
const FIRST_PAGE = 'first-page';

interface LiveIncidentListProps {
  projectId: string;
  query: IncidentListQuery;
  /** Whether the query filters anything, for the empty state's wording. */
  isFiltered: boolean;
  events: ProjectEvents;
  firstPage: IncidentPage;
  /** Whether events arrived while the first page loaded (and forgets them). */
  takeMissedEvents: () => boolean;
}

function LiveIncidentList({
  projectId,
  query,
  isFiltered,
  events,
  firstPage,
  takeMissedEvents,
}: LiveIncidentListProps) {
  const s = useStyles2(getStyles);
  const now = useNow();
  const [listing, setListing] = useState<Listing>(() => ({
    items: firstPage.items,
    nextCursor: firstPage.nextCursor,
  }));
  const [isLoadingMore, setIsLoadingMore] = useState(false);
  const [loadMoreError, setLoadMoreError] = useState<ApiError | null>(null);
  const refreshQueue = useRef<RefreshQueue<string> | null>(null);

  useEffect(() => {
    let isMounted = true;
    const queue = createRefreshQueue<string>(async (keys) => {
      const refreshes = [...keys].map(async (key) => {
        if (key === FIRST_PAGE) {
          const page = await listIncidents(projectId, query);
          if (isMounted) {
            setListing((current) => mergeFirstPage(current, page));
          }
        } else {
          const { incident } = await getIncident(projectId, key);
          if (isMounted) {
            setListing((current) => replaceIncident(current, incident));
          }
        }
      });
      // Each refresh stands alone: one that fails leaves its row as it was.
      await Promise.allSettled(refreshes);
    });
    refreshQueue.current = queue;
    if (takeMissedEvents()) {
      queue.request(FIRST_PAGE);
    }
    return () => {
      isMounted = false;
      queue.stop();
    };
  }, [projectId, query, takeMissedEvents]);

  useProjectEventListener(events, {
    onEvent: (event) => {
      if (event.type === 'incident.created') {
        // A new incident may or may not match the filters: the sidecar decides, by listing the first page again.
        refreshQueue.current?.request(FIRST_PAGE);
      } else if (listing.items.some((incident) => incident.id === event.incidentId)) {
        refreshQueue.current?.request(event.incidentId);
      }
    },
    onResync: () => refreshQueue.current?.request(FIRST_PAGE),
  });

  const onLoadMore = async () => {
    const cursor = listing.nextCursor;
    if (!cursor) {
      return;
    }
    setIsLoadingMore(true);
    setLoadMoreError(null);
    try {
      const page = await listIncidents(projectId, { ...query, cursor });
      // A live refresh may have started the listing over meanwhile; this page then belongs to the old one.
      setListing((current) => (current.nextCursor === cursor ? appendPage(current, page) : current));
    } catch (error) {
      setLoadMoreError(toApiError(error));
    } finally {
      setIsLoadingMore(false);
    }
  };

  if (listing.items.length === 0) {
    return (
      <div data-testid={testIds.incidents.empty}>
        {isFiltered ? (
          <EmptyState variant="not-found" message="No incidents match">
            Widen the time range or clear a filter.
          </EmptyState>
        ) : (
          <EmptyState variant="not-found" message="No incidents yet">
            Connect Alertmanager or Grafana alerting: see{' '}
            <TextLink href={prefixRoute(ROUTES.Project)} inline>
              Project › Ingest tokens
            </TextLink>
            . New incidents appear here as alerts arrive.
          </EmptyState>
        )}
      </div>
    );
  }

  return (
    <Stack direction="column" gap={2}>
      <table className={s.table} data-testid={testIds.incidents.table}>
        <thead>
          <tr>
            <th>Incident</th>
            <th>Service</th>
            <th>Severity</th>
            <th>Status</th>
            <th>Signals</th>
            <th>Created</th>
            <th>Response</th>
          </tr>
        </thead>
        <tbody>
          {listing.items.map((incident) => (
            <IncidentRow key={incident.id} incident={incident} now={now} />
          ))}
        </tbody>
      </table>

      {loadMoreError && (
        <ApiErrorAlert
          title="Could not load more incidents"
          error={loadMoreError}
          data-testid={testIds.incidents.loadMoreError}
        />
      )}
      <Stack direction="row" alignItems="center" gap={2}>
        <Text color="secondary">
          {listing.items.length} {listing.items.length === 1 ? 'incident' : 'incidents'} shown
          {listing.nextCursor ? '' : ', the oldest included'}
        </Text>
        {listing.nextCursor && (
          <Button
            variant="secondary"
            icon={isLoadingMore ? 'spinner' : 'angle-down'}
            onClick={onLoadMore}
            disabled={isLoadingMore}
            data-testid={testIds.incidents.loadMore}
          >
            {isLoadingMore ? 'Loading…' : 'Load more'}
          </Button>
        )}
      </Stack>
    </Stack>
  );
}

function IncidentRow({ incident, now }: { incident: Incident; now: number }) {
  const s = useStyles2(getStyles);
  return (
    <tr
      data-testid={testIds.incidents.row}
      data-incident-id={incident.id}
      data-status={incident.status}
      data-severity={incident.severity}
    >
      <td className={s.titleCell}>
        <Stack direction="row" gap={1} alignItems="center">
          <TextLink href={incidentUrl(incident.id)} data-testid={testIds.incidents.rowLink}>
            {incident.title}
          </TextLink>
          {incident.warnings.length > 0 && (
            <Tooltip content={incident.warnings.join(' ')}>
              <Icon name="exclamation-triangle" className={s.warningIcon} aria-label="Has warnings" />
            </Tooltip>
          )}
        </Stack>
        <Text color="secondary" variant="bodySmall">
          {incident.origin === 'manual' ? 'Declared' : 'From alerts'}
          {incident.reopenCount > 0 && ` · reopened ${incident.reopenCount}×`}
        </Text>
      </td>
      <td>{incident.service ?? <Text color="secondary">—</Text>}</td>
      <td>
        <SeverityBadge severity={incident.severity} data-testid={testIds.incidents.severityBadge} />
      </td>
      <td>
        <StatusBadge status={incident.status} data-testid={testIds.incidents.statusBadge} />
      </td>
      <td className={s.nowrap}>
        <span
          title={`${incident.firingCount} firing of ${incident.signalCount} signals`}
          data-testid={testIds.incidents.signalCount}
        >
          <Text tabular color={incident.firingCount > 0 ? 'error' : 'secondary'}>
            {incident.firingCount}
          </Text>
          <Text tabular color="secondary">
            {' '}
            / {incident.signalCount}
          </Text>
        </span>
      </td>
      <td className={s.nowrap}>
        <Stack direction="column" gap={0}>
          <Text tabular>{dateTimeFormat(incident.createdAt)}</Text>
          <Text color="secondary" variant="bodySmall">
            {formatAge(incident.createdAt, now)}
          </Text>
        </Stack>
      </td>
      <td className={s.nowrap}>
        <Stack direction="column" gap={0}>
          {incident.timeToAcknowledgeMs !== null && (
            <Text variant="bodySmall">Acknowledged in {formatDuration(incident.timeToAcknowledgeMs)}</Text>
          )}
          {incident.timeToResolveMs !== null && (
            <Text variant="bodySmall">Resolved in {formatDuration(incident.timeToResolveMs)}</Text>
          )}
          {incident.timeToAcknowledgeMs === null && incident.timeToResolveMs === null && (
            <Text color="secondary">—</Text>
          )}
        </Stack>
      </td>
    </tr>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  ...getTableStyles(theme, { highlightRowOnHover: true }),
  titleCell: css({
    minWidth: theme.spacing(30),
    wordBreak: 'break-word',
  }),
  warningIcon: css({
    color: theme.colors.warning.text,
  }),
});
