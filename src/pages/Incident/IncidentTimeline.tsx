import React, { FormEvent, useState } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, GrafanaTheme2 } from '@grafana/data';
import { Button, Icon, type IconName, Stack, Text, useStyles2 } from '@grafana/ui';
import { commentOnIncident, type IncidentEvent } from '../../api';
import { FormActions, TextAreaField } from '../../components/FormFields/FormFields';
import { testIds } from '../../components/testIds';
import { actorName, describeTimelineEvent } from '../../incidents/incidentText';
import { useSubmit } from '../../utils/useSubmit';

const KIND_ICONS: Record<string, IconName> = {
  created: 'fire',
  signals_attached: 'bell',
  status_changed: 'exchange-alt',
  comment: 'comment-alt',
  updated: 'edit',
};

/** What happened to the incident, oldest first, so that it reads as a story. */
export function IncidentTimeline({ timeline }: { timeline: IncidentEvent[] }) {
  const s = useStyles2(getStyles);
  if (timeline.length === 0) {
    return (
      <div data-testid={testIds.incident.timeline}>
        <Text color="secondary">Nothing recorded yet.</Text>
      </div>
    );
  }
  return (
    <ol className={s.timeline} data-testid={testIds.incident.timeline}>
      {timeline.map((event) => {
        const { summary, text } = describeTimelineEvent(event);
        return (
          <li
            key={event.id}
            className={s.entry}
            data-testid={testIds.incident.timelineEntry}
            data-kind={event.kind}
            data-event-id={event.id}
          >
            <Icon name={KIND_ICONS[event.kind] ?? 'circle'} className={s.icon} />
            <Stack direction="column" gap={0.5}>
              <Text>
                <strong>{actorName(event.actor)}</strong> {summary}
              </Text>
              {text && <blockquote className={s.text}>{text}</blockquote>}
              <Text color="secondary" variant="bodySmall" tabular>
                {dateTimeFormat(event.createdAt)}
              </Text>
            </Stack>
          </li>
        );
      })}
    </ol>
  );
}

interface CommentFormProps {
  projectId: string;
  incidentId: string;
  onCommented: (event: IncidentEvent) => void;
}

/** Adds a comment to the timeline; rendered only for roles that may write. */
export function CommentForm({ projectId, incidentId, onCommented }: CommentFormProps) {
  const [body, setBody] = useState('');
  const { submit, submitting, error } = useSubmit(() => commentOnIncident(projectId, incidentId, body.trim()), {
    onSuccess: (event) => {
      onCommented(event);
      setBody('');
    },
  });

  const isEmpty = body.trim() === '';

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!isEmpty) {
      submit();
    }
  };

  return (
    <form onSubmit={onSubmit} data-testid={testIds.incident.commentForm}>
      <TextAreaField
        label="Comment"
        description="Findings, actions taken, links: everyone on the incident reads them here"
        id="incident-comment"
        rows={3}
        maxLength={10_000}
        value={body}
        onChange={setBody}
        data-testid={testIds.incident.commentInput}
      />
      <FormActions
        error={error}
        errorTitle="Could not add the comment"
        errorTestId={testIds.incident.commentError}
        gap={1}
      >
        <Button
          type="submit"
          icon="comment-alt"
          disabled={isEmpty || submitting}
          data-testid={testIds.incident.commentSubmit}
        >
          {submitting ? 'Adding…' : 'Add comment'}
        </Button>
      </FormActions>
    </form>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  timeline: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    borderLeft: `2px solid ${theme.colors.border.weak}`,
  }),
  entry: css({
    display: 'flex',
    gap: theme.spacing(1.5),
    padding: theme.spacing(1, 0, 1, 1.5),
    position: 'relative',
  }),
  icon: css({
    color: theme.colors.text.secondary,
    flexShrink: 0,
    marginTop: theme.spacing(0.25),
  }),
  text: css({
    margin: 0,
    padding: theme.spacing(0.5, 1),
    borderLeft: `3px solid ${theme.colors.border.medium}`,
    background: theme.colors.background.secondary,
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
  }),
});
