import React, { FormEvent, useState } from 'react';
import { Button, Field, Modal, RadioButtonGroup } from '@grafana/ui';
import { createIncident, type Incident, type SeverityName } from '../../api';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { TextAreaField, TextInputField } from '../../components/FormFields/FormFields';
import { testIds } from '../../components/testIds';
import { SEVERITY_OPTIONS } from '../../incidents/incidentText';
import { useSubmit } from '../../utils/useSubmit';

interface DeclareIncidentModalProps {
  projectId: string;
  onDismiss: () => void;
  onDeclared: (incident: Incident) => void;
}

/** Declares an incident by hand, e.g. one that no alert caught; rendered only for roles that may write. */
export function DeclareIncidentModal({ projectId, onDismiss, onDeclared }: DeclareIncidentModalProps) {
  const [title, setTitle] = useState('');
  const [severity, setSeverity] = useState<SeverityName>('warning');
  const [service, setService] = useState('');
  const [description, setDescription] = useState('');
  const { submit, submitting, error } = useSubmit(
    () =>
      createIncident(projectId, {
        title: title.trim(),
        severity,
        description,
        service: service.trim() || undefined,
      }),
    { onSuccess: onDeclared }
  );

  const isTitleMissing = title.trim() === '';

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!isTitleMissing) {
      submit();
    }
  };

  return (
    <Modal title="Declare incident" isOpen onDismiss={onDismiss}>
      <form onSubmit={onSubmit} data-testid={testIds.incidents.declareForm}>
        <TextInputField
          label="Title"
          description="Required: what is broken, as the responders should read it"
          id="declare-incident-title"
          maxLength={500}
          autoFocus
          value={title}
          onChange={setTitle}
          data-testid={testIds.incidents.declareTitle}
        />
        <Field label="Severity">
          <div data-testid={testIds.incidents.declareSeverity}>
            <RadioButtonGroup<SeverityName>
              aria-label="Severity"
              options={SEVERITY_OPTIONS}
              value={severity}
              onChange={setSeverity}
            />
          </div>
        </Field>
        <TextInputField
          label="Service"
          description="Optional: the affected service"
          id="declare-incident-service"
          maxLength={200}
          value={service}
          onChange={setService}
          data-testid={testIds.incidents.declareService}
        />
        <TextAreaField
          label="Description"
          description="Optional: what is known so far"
          id="declare-incident-description"
          rows={4}
          maxLength={10_000}
          value={description}
          onChange={setDescription}
          data-testid={testIds.incidents.declareDescription}
        />
        {error && (
          <ApiErrorAlert
            title="Could not declare the incident"
            error={error}
            data-testid={testIds.incidents.declareError}
          />
        )}
        <Modal.ButtonRow>
          <Button
            type="button"
            variant="secondary"
            fill="outline"
            onClick={onDismiss}
            data-testid={testIds.incidents.declareCancel}
          >
            Cancel
          </Button>
          <Button
            type="submit"
            icon="fire"
            disabled={submitting || isTitleMissing}
            data-testid={testIds.incidents.declareSubmit}
          >
            {submitting ? 'Declaring…' : 'Declare incident'}
          </Button>
        </Modal.ButtonRow>
      </form>
    </Modal>
  );
}
