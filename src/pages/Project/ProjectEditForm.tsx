import React, { FormEvent, useState } from 'react';
import { Alert, Button, Field, FieldSet, Switch } from '@grafana/ui';
import { updateProject, type Project, type UpdateProjectBody } from '../../api';
import { FormActions, TextAreaField, TextInputField } from '../../components/FormFields/FormFields';
import { testIds } from '../../components/testIds';
import { useSubmit } from '../../utils/useSubmit';

interface ProjectEditFormProps {
  project: Project;
  onSaved: (project: Project) => void;
}

interface Draft {
  name: string;
  description: string;
  isActive: boolean;
}

const draftOf = (project: Project): Draft => ({
  name: project.name,
  description: project.description,
  isActive: project.isActive,
});

/** Only what changed: the sidecar wants at least one field and records exactly these in the audit log. */
function changesOf(project: Project, draft: Draft): UpdateProjectBody {
  const changes: UpdateProjectBody = {};
  if (draft.name.trim() !== project.name) {
    changes.name = draft.name.trim();
  }
  if (draft.description !== project.description) {
    changes.description = draft.description;
  }
  if (draft.isActive !== project.isActive) {
    changes.isActive = draft.isActive;
  }
  return changes;
}

/** Edits the project's name, description and active flag; rendered only for roles that may manage the project. */
export function ProjectEditForm({ project, onSaved }: ProjectEditFormProps) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(project));
  const [isSaved, setIsSaved] = useState(false);

  const changes = changesOf(project, draft);
  const hasChanges = Object.keys(changes).length > 0;
  const isNameMissing = draft.name.trim() === '';

  const edit = (next: Partial<Draft>) => {
    setDraft({ ...draft, ...next });
    setIsSaved(false);
  };

  const save = useSubmit(() => updateProject(project.id, changes), {
    onSuccess: (saved) => {
      setDraft(draftOf(saved));
      setIsSaved(true);
      onSaved(saved);
    },
  });

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (hasChanges && !isNameMissing) {
      save.submit();
    }
  };

  return (
    <form onSubmit={onSubmit} data-testid={testIds.project.editForm}>
      <FieldSet label="Edit project">
        <TextInputField
          label="Name"
          invalid={isNameMissing}
          error={isNameMissing ? 'A project needs a name' : undefined}
          id="project-name"
          width={50}
          maxLength={200}
          value={draft.name}
          onChange={(name) => edit({ name })}
          data-testid={testIds.project.nameInput}
        />
        <TextAreaField
          label="Description"
          id="project-description"
          rows={3}
          maxLength={2000}
          value={draft.description}
          onChange={(description) => edit({ description })}
          data-testid={testIds.project.descriptionInput}
        />
        <Field label="Active" description="An inactive project keeps its data and audit log but is marked as retired">
          <Switch
            id="project-active"
            value={draft.isActive}
            onChange={(e) => edit({ isActive: e.currentTarget.checked })}
            data-testid={testIds.project.activeSwitch}
          />
        </Field>
        <FormActions error={save.error} errorTitle="Could not save the project" errorTestId={testIds.project.saveError}>
          {isSaved && !hasChanges && (
            <Alert severity="success" title="Project saved" data-testid={testIds.project.saveSuccess} />
          )}
          <Button
            type="submit"
            disabled={!hasChanges || isNameMissing || save.submitting}
            data-testid={testIds.project.saveButton}
          >
            {save.submitting ? 'Saving…' : 'Save project'}
          </Button>
        </FormActions>
      </FieldSet>
    </form>
  );
}
