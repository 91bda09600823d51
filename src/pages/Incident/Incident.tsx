import React, { useCallback, useEffect, useRef, useState } from 'react';
import { useParams } from 'react-router-dom';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Button, EmptyState, LinkButton, LoadingPlaceholder, Stack, Text, useStyles2 } from '@grafana/ui';
import { getIncident, type IncidentDetail, type IncidentEvent, type ProjectContext } from '../../api';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { AppPage } from '../../components/AppPage/AppPage';
import { LiveIndicator } from '../../components/LiveIndicator/LiveIndicator';
import { RequireProject } from '../../components/RequireProject/RequireProject';
import { testIds } from '../../components/testIds';
import { ROUTES } from '../../constants';
import {
  useEventsWhileLoading,
  useProjectEventListener,
  useProjectEvents,
  type ProjectEvents,
} from '../../project/useProjectEvents';
import { createRefreshQueue, type RefreshQueue } from '../../utils/refreshQueue';
import { useAsyncData } from '../../utils/useAsyncData';
import { useNow } from '../../utils/useNow';
import { incidentUrl, prefixRoute } from '../../utils/utils.routing';
import { IncidentEditForm } from './IncidentEditForm';
import { IncidentSummary } from './IncidentSummary';
import { CommentForm, IncidentTimeline } from './IncidentTimeline';
import { IncidentTransitions } from './IncidentTransitions';
import { SignalsTable } from './SignalsTable';

interface IncidentOfProjectProps {
  current: ProjectContext;
  incidentId: string;
  /** Reports the incident's title for the page heading; null while there is none. */
  onTitle: (title: string | null) => void;
}

function IncidentOfProject({ current, incidentId, onTitle }: IncidentOfProjectProps) {
  const projectId = current.project.id;
  const events = useProjectEvents(projectId);
  const load = useCallback(() => getIncident(projectId, incidentId), [projectId, incidentId]);
  const detail = useAsyncData(load);
  const takeMissedEvents = useEventsWhileLoading(events, detail.status === 'loading');

  let body: React.ReactNode;
  if (detail.status === 'loading') {
    body = <LoadingPlaceholder text="Loading the incident…" data-testid={testIds.incident.loading} />;
  } else if (detail.status === 'error' && detail.error.code === 'not_found') {
    body = (
      <div data-testid={testIds.incident.error}>
        <EmptyState variant="not-found" message="Incident not found">
          It may belong to another project: pick that project in the header, or go back to all incidents.
        </EmptyState>
      </div>
    );
  } else if (detail.status === 'error') {
    body = (
      <ApiErrorAlert
        title="Could not load the incident"
        error={detail.error}
        onRetry={detail.reload}
        data-testid={testIds.incident.error}
      />
    );
  } else {
    body = (
      <LiveIncident
        projectId={projectId}
        canWrite={current.permissions.write}
        initial={detail.data}
        events={events}
        takeMissedEvents={takeMissedEvents}
        onTitle={onTitle}
      />
    );
  }

  return (
    <Stack direction="column" gap={2}>
      <Stack direction="row" justifyContent="space-between" alignItems="center" wrap="wrap">
        <LinkButton
          variant="secondary"
          fill="text"
          icon="arrow-left"
          href={prefixRoute(ROUTES.Incidents)}
          data-testid={testIds.incident.backLink}
        >
          All incidents
        </LinkButton>
        <LiveIndicator state={events.connection} testId={testIds.incident.liveIndicator} />
      </Stack>
      {body}
    </Stack>
  );
}

interface LiveIncidentProps {
  projectId: string;
  /** Whether the caller's role may change incidents; without it the page has no controls at all. */
  canWrite: boolean;
  initial: IncidentDetail;
  events: ProjectEvents;
  takeMissedEvents: () => boolean;
  onTitle: (title: string | null) => void;
}

/** The loaded incident, read again whenever the sidecar says it changed. */
function LiveIncident({ projectId, canWrite, initial, events, takeMissedEvents, onTitle }: LiveIncidentProps) {
  const s = useStyles2(getStyles);
  const now = useNow();
  const [detail, setDetail] = useState(initial);
  const [isEditing, setIsEditing] = useState(false);
  const refreshQueue = useRef<RefreshQueue<'detail'> | null>(null);
  const { incident, signals, timeline } = detail;
  const incidentId = initial.incident.id;

  useEffect(() => {
    let isMounted = true;
    const queue = createRefreshQueue<'detail'>(async () => {
      const fresh = await getIncident(projectId, incidentId);
      if (isMounted) {
        setDetail(fresh);
      }
    });
    refreshQueue.current = queue;
    if (takeMissedEvents()) {
      queue.request('detail');
    }
    return () => {
      isMounted = false;
      queue.stop();
    };
  }, [projectId, incidentId, takeMissedEvents]);

  const refresh = useCallback(() => refreshQueue.current?.request('detail'), []);

  useProjectEventListener(events, {
    onEvent: (event) => {
      if (event.type === 'incident.updated' && event.incidentId === incidentId) {
        refresh();
      }
    },
    onResync: refresh,
  });

  useEffect(() => {
    onTitle(incident.title);
    return () => onTitle(null);
  }, [incident.title, onTitle]);

  const onIncidentChanged = (changed: IncidentDetail['incident']) => {
    setDetail((current) => ({ ...current, incident: changed }));
    // The answer has the incident; the new timeline entry comes with a full read.
    refresh();
  };

  const onCommented = (event: IncidentEvent) =>
    setDetail((current) => ({
      ...current,
      timeline: [...current.timeline.filter((entry) => entry.id !== event.id), event],
    }));

  return (
    <Stack direction="column" gap={4}>
      <IncidentSummary incident={incident} timeline={timeline} now={now} />

      {canWrite && (
        <section className={s.section} aria-label="Respond">
          <Stack direction="column" gap={2}>
            <IncidentTransitions
              projectId={projectId}
              incident={incident}
              onTransitioned={onIncidentChanged}
              onConflict={refresh}
            />
            {isEditing ? (
              <IncidentEditForm
                projectId={projectId}
                incident={incident}
                onSaved={(saved) => {
                  setIsEditing(false);
                  onIncidentChanged(saved);
                }}
                onCancel={() => setIsEditing(false)}
              />
            ) : (
              <div>
                <Button
                  variant="secondary"
                  icon="edit"
                  onClick={() => setIsEditing(true)}
                  data-testid={testIds.incident.editButton}
                >
                  Edit title, severity or service
                </Button>
              </div>
            )}
          </Stack>
        </section>
      )}

      <section>
        <Stack direction="column" gap={1}>
          <Text element="h2" variant="h4">
            Signals
          </Text>
          <SignalsTable signals={signals} total={incident.signalCount} />
        </Stack>
      </section>

      <section>
        <Stack direction="column" gap={2}>
          <Text element="h2" variant="h4">
            Timeline
          </Text>
          <IncidentTimeline timeline={timeline} />
          {canWrite && <CommentForm projectId={projectId} incidentId={incidentId} onCommented={onCommented} />}
        </Stack>
      </section>
    </Stack>
  );
}

function Incident() {
  const { incidentId = '' } = useParams<{ incidentId: string }>();
  // The heading is the incident's title once it has loaded; kept per incident, so another one never shows it.
  const [title, setTitle] = useState<{ incidentId: string; text: string } | null>(null);
  const onTitle = useCallback(
    (text: string | null) => setTitle(text === null ? null : { incidentId, text }),
    [incidentId]
  );
  const heading = title?.incidentId === incidentId ? title.text : 'Incident';

  return (
    <AppPage
      testId={testIds.incident.container}
      pageNav={{ text: heading, url: incidentUrl(incidentId) }}
      renderTitle={(text) => <h1 data-testid={testIds.incident.title}>{text}</h1>}
    >
      <RequireProject>
        {(current) => (
          <IncidentOfProject key={incidentId} current={current} incidentId={incidentId} onTitle={onTitle} />
        )}
      </RequireProject>
    </AppPage>
  );
}

export default Incident;

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({
    maxWidth: theme.breakpoints.values.md,
    padding: theme.spacing(2),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
});
