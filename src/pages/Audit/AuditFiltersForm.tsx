import React, { FormEvent, useState } from 'react';
import { css } from '@emotion/css';
import { Stack, useStyles2 } from '@grafana/ui';
import { FilterButtons, TimeRangeFilter } from '../../components/FilterForm/FilterForm';
import { TextInputField } from '../../components/FormFields/FormFields';
import { testIds } from '../../components/testIds';
import { type AuditFilterValues, emptyAuditFilters } from './auditFilters';

interface AuditFiltersFormProps {
  /** The filters in effect. */
  applied: AuditFilterValues;
  onApply: (filters: AuditFilterValues) => void;
}

/** The audit log filters; they apply on submit, so that typing does not fire a request per key. */
export function AuditFiltersForm({ applied, onApply }: AuditFiltersFormProps) {
  const s = useStyles2(getStyles);
  const [draft, setDraft] = useState<AuditFilterValues>(applied);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    onApply(draft);
  };

  const onClear = () => {
    const cleared = emptyAuditFilters();
    setDraft(cleared);
    onApply(cleared);
  };

  return (
    <form onSubmit={onSubmit} data-testid={testIds.audit.filters} aria-label="Audit log filters">
      <Stack direction="row" gap={2} alignItems="flex-end" wrap="wrap">
        <TextInputField
          label="Action"
          description="An action or its family"
          className={s.field}
          id="audit-filter-action"
          width={24}
          placeholder="member.added or member"
          value={draft.action}
          onChange={(action) => setDraft({ ...draft, action })}
          data-testid={testIds.audit.filterAction}
        />
        <TextInputField
          label="Actor id"
          description="As the log records it"
          className={s.field}
          id="audit-filter-actor"
          width={20}
          placeholder="user:42"
          value={draft.actorId}
          onChange={(actorId) => setDraft({ ...draft, actorId })}
          data-testid={testIds.audit.filterActor}
        />
        <TextInputField
          label="Resource type"
          description="e.g. project, project_member"
          className={s.field}
          id="audit-filter-resource-type"
          width={20}
          placeholder="project_member"
          value={draft.resourceType}
          onChange={(resourceType) => setDraft({ ...draft, resourceType })}
          data-testid={testIds.audit.filterResourceType}
        />
        <TimeRangeFilter
          label="Time range"
          description="Any time when empty"
          value={draft.timeRange}
          onChange={(timeRange) => setDraft({ ...draft, timeRange })}
          data-testid={testIds.audit.filterTimeRange}
        />
        <FilterButtons
          onClear={onClear}
          applyTestId={testIds.audit.applyFilters}
          clearTestId={testIds.audit.clearFilters}
        />
      </Stack>
    </form>
  );
}

const getStyles = () => ({
  field: css({
    marginBottom: 0,
  }),
});
