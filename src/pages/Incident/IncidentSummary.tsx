import React from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, GrafanaTheme2 } from '@grafana/data';
import { Alert, Stack, Text, useStyles2 } from '@grafana/ui';
import type { Incident, IncidentEvent } from '../../api';
import { getDefinitionListStyles } from '../../components/DefinitionList/getDefinitionListStyles';
import { SeverityBadge, StatusBadge } from '../../components/IncidentBadges/IncidentBadges';
import { testIds } from '../../components/testIds';
import { actorIdName, formatAge, formatDuration } from '../../incidents/incidentText';

interface IncidentSummaryProps {
  incident: Incident;
  /** Where the names of the people who acted are found. */
  timeline: IncidentEvent[];
  now: number;
}

/** The incident at a glance: severity, status, service, description, when it was opened, acknowledged, resolved. */
export function IncidentSummary({ incident, timeline, now }: IncidentSummaryProps) {
  const s = useStyles2(getStyles);
  /** " by <who>", or nothing when unknown. */
  const by = (actorId: string | null) => (actorId ? ` by ${actorIdName(actorId, timeline)}` : '');
  return (
    <Stack direction="column" gap={2}>
      <Stack direction="row" gap={1} alignItems="center" wrap="wrap">
        <SeverityBadge severity={incident.severity} data-testid={testIds.incident.severity} />
        <StatusBadge status={incident.status} data-testid={testIds.incident.status} />
        <Text color="secondary">·</Text>
        <span data-testid={testIds.incident.service}>
          {incident.service ? <Text>Service {incident.service}</Text> : <Text color="secondary">No service</Text>}
        </span>
        <Text color="secondary">·</Text>
        <Text color="secondary">
          {incident.origin === 'manual' ? 'Declared by hand' : 'Opened from correlated alerts'}
        </Text>
      </Stack>

      <div data-testid={testIds.incident.description} className={s.description}>
        {incident.description ? (
          <Text element="p">{incident.description}</Text>
        ) : (
          <Text color="secondary" element="p">
            No description.
          </Text>
        )}
      </div>

      <dl className={s.definitionList}>
        <dt>Created</dt>
        <dd data-testid={testIds.incident.created}>
          <Text tabular>{dateTimeFormat(incident.createdAt)}</Text>
          <Text color="secondary">
            {' '}
            ({formatAge(incident.createdAt, now)}){by(incident.createdBy)}
          </Text>
        </dd>
        <dt>Acknowledged</dt>
        <dd data-testid={testIds.incident.acknowledged}>
          {incident.acknowledgedAt ? (
            <>
              <Text tabular>{dateTimeFormat(incident.acknowledgedAt)}</Text>
              <Text color="secondary">
                {by(incident.acknowledgedBy)}
                {incident.timeToAcknowledgeMs !== null &&
                  `, ${formatDuration(incident.timeToAcknowledgeMs)} after it opened`}
              </Text>
            </>
          ) : (
            <Text color="secondary">Not yet, open for {formatDuration(now - Date.parse(incident.createdAt))}</Text>
          )}
        </dd>
        <dt>Resolved</dt>
        <dd data-testid={testIds.incident.resolved}>
          {incident.resolvedAt ? (
            <>
              <Text tabular>{dateTimeFormat(incident.resolvedAt)}</Text>
              <Text color="secondary">
                {by(incident.resolvedBy)}
                {incident.timeToResolveMs !== null && `, ${formatDuration(incident.timeToResolveMs)} after it opened`}
              </Text>
            </>
          ) : (
            <Text color="secondary">Not yet</Text>
          )}
        </dd>
        <dt>Last signal</dt>
        <dd>
          <Text tabular>{dateTimeFormat(incident.lastSignalAt)}</Text>
        </dd>
        {incident.reopenCount > 0 && (
          <>
            <dt>Reopened</dt>
            <dd>
              {incident.reopenCount} {incident.reopenCount === 1 ? 'time' : 'times'}
            </dd>
          </>
        )}
      </dl>

      {incident.warnings.length > 0 && (
        <Alert severity="warning" title="Incomplete data" data-testid={testIds.incident.warnings}>
          <ul className={s.warnings}>
            {incident.warnings.map((warning) => (
              <li key={warning}>{warning}</li>
            ))}
          </ul>
        </Alert>
      )}
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  ...getDefinitionListStyles(theme),
  description: css({
    maxWidth: theme.breakpoints.values.md,
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
  }),
  warnings: css({
    margin: 0,
    paddingLeft: theme.spacing(2),
  }),
});
