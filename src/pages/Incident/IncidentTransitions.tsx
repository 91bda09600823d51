import React, { useState } from 'react';
import { Button, Stack } from '@grafana/ui';
import { transitionIncident, type Incident, type IncidentStatusName } from '../../api';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { TextAreaField } from '../../components/FormFields/FormFields';
import { testIds } from '../../components/testIds';
import { INCIDENT_STATUSES, transitionLabel } from '../../incidents/incidentText';
import { useSubmit } from '../../utils/useSubmit';

interface IncidentTransitionsProps {
  projectId: string;
  incident: Incident;
  onTransitioned: (incident: Incident) => void;
  /** The sidecar refused because the incident changed meanwhile: read it again. */
  onConflict: () => void;
}

/**
 * The status changes the incident allows now, one button each, with an optional note for the timeline. Rendered
 * only for roles that may write.
 */
export function IncidentTransitions({ projectId, incident, onTransitioned, onConflict }: IncidentTransitionsProps) {
  const [note, setNote] = useState('');
  // The target of the last status change: its button spins while that change is in flight.
  const [lastTo, setLastTo] = useState<IncidentStatusName | null>(null);
  const { submit, submitting, error } = useSubmit(
    (to: IncidentStatusName) => {
      setLastTo(to);
      return transitionIncident(projectId, incident.id, { to, note: note.trim() || undefined });
    },
    {
      onSuccess: (transitioned) => {
        onTransitioned(transitioned);
        setNote('');
      },
      onError: (apiError) => {
        if (apiError.code === 'conflict') {
          onConflict();
        }
      },
    }
  );

  // In lifecycle order, whatever order the sidecar lists them in; reopening goes last.
  const targets = [...INCIDENT_STATUSES.slice(1), INCIDENT_STATUSES[0]].filter((status) =>
    incident.allowedTransitions.includes(status)
  );
  if (targets.length === 0) {
    return null;
  }

  return (
    <div data-testid={testIds.incident.transitions}>
      <Stack direction="column" gap={1}>
        <TextAreaField
          label="Note"
          description="Optional: recorded in the timeline with the status change"
          id="incident-transition-note"
          rows={2}
          maxLength={10_000}
          value={note}
          onChange={setNote}
          data-testid={testIds.incident.transitionNote}
        />
        <Stack direction="row" gap={1} wrap="wrap">
          {targets.map((to, index) => (
            <Button
              key={to}
              variant={index === 0 && to !== 'triggered' ? 'primary' : 'secondary'}
              icon={submitting && lastTo === to ? 'spinner' : undefined}
              disabled={submitting}
              onClick={() => submit(to)}
              data-testid={testIds.incident.transition[to]}
              data-to={to}
            >
              {transitionLabel(incident.status, to)}
            </Button>
          ))}
        </Stack>
        {error && (
          <ApiErrorAlert
            title="Could not change the status"
            error={error}
            data-testid={testIds.incident.transitionError}
          />
        )}
      </Stack>
    </div>
  );
}
