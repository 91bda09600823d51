import React, { FormEvent, useState } from 'react';
import { Button, Field, FieldSet, RadioButtonGroup, Stack } from '@grafana/ui';
import { updateIncident, type Incident, type SeverityName, type UpdateIncidentBody } from '../../api';
import { FormActions, TextInputField } from '../../components/FormFields/FormFields';
import { testIds } from '../../components/testIds';
import { SEVERITY_OPTIONS } from '../../incidents/incidentText';
import { useSubmit } from '../../utils/useSubmit';

interface IncidentEditFormProps {
  projectId: string;
  incident: Incident;
  onSaved: (incident: Incident) => void;
  onCancel: () => void;
}

interface Draft {
  title: string;
  severity: SeverityName;
  service: string;
}

/** Only what changed: the sidecar wants at least one field and records exactly these in the timeline. */
export function changesOf(incident: Incident, draft: Draft): UpdateIncidentBody {
  const changes: UpdateIncidentBody = {};
  const title = draft.title.trim();
  const service = draft.service.trim();
  if (title !== incident.title) {
    changes.title = title;
  }
  if (draft.severity !== incident.severity) {
    changes.severity = draft.severity;
  }
  if (service !== (incident.service ?? '')) {
    // An emptied service clears it.
    changes.service = service || null;
  }
  return changes;
}

/** Edits the incident's title, severity and service; rendered only for roles that may write. */
export function IncidentEditForm({ projectId, incident, onSaved, onCancel }: IncidentEditFormProps) {
  const [draft, setDraft] = useState<Draft>(() => ({
    title: incident.title,
    severity: incident.severity,
    service: incident.service ?? '',
  }));

  const changes = changesOf(incident, draft);
  const hasChanges = Object.keys(changes).length > 0;
  const isTitleMissing = draft.title.trim() === '';

  const { submit, submitting, error } = useSubmit(() => updateIncident(projectId, incident.id, changes), {
    onSuccess: onSaved,
  });

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (hasChanges && !isTitleMissing) {
      submit();
    }
  };

  return (
    <form onSubmit={onSubmit} data-testid={testIds.incident.editForm}>
      <FieldSet label="Edit incident">
        <TextInputField
          label="Title"
          invalid={isTitleMissing}
          error={isTitleMissing ? 'An incident needs a title' : undefined}
          id="incident-edit-title"
          maxLength={500}
          value={draft.title}
          onChange={(title) => setDraft({ ...draft, title })}
          data-testid={testIds.incident.editTitle}
        />
        <Field label="Severity">
          <div data-testid={testIds.incident.editSeverity}>
            <RadioButtonGroup<SeverityName>
              aria-label="Severity"
              options={SEVERITY_OPTIONS}
              value={draft.severity}
              onChange={(severity) => setDraft({ ...draft, severity })}
            />
          </div>
        </Field>
        <TextInputField
          label="Service"
          description="Empty for none"
          id="incident-edit-service"
          width={40}
          maxLength={200}
          value={draft.service}
          onChange={(service) => setDraft({ ...draft, service })}
          data-testid={testIds.incident.editService}
        />
        <FormActions error={error} errorTitle="Could not save the incident" errorTestId={testIds.incident.editError}>
          <Stack direction="row" gap={1}>
            <Button
              type="submit"
              disabled={!hasChanges || isTitleMissing || submitting}
              data-testid={testIds.incident.editSave}
            >
              {submitting ? 'Saving…' : 'Save'}
            </Button>
            <Button
              type="button"
              variant="secondary"
              onClick={onCancel}
              disabled={submitting}
              data-testid={testIds.incident.editCancel}
            >
              Cancel
            </Button>
          </Stack>
        </FormActions>
      </FieldSet>
    </form>
  );
}
