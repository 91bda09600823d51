import React, { FormEvent, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Button, Field, Input, Stack, TimeRangeInput, useStyles2 } from '@grafana/ui';
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
        <Field label="Action" description="An action or its family" className={s.field}>
          <Input
            id="audit-filter-action"
            width={24}
            placeholder="member.added or member"
            value={draft.action}
            onChange={(e) => setDraft({ ...draft, action: e.currentTarget.value })}
            data-testid={testIds.audit.filterAction}
          />
        </Field>
        <Field label="Actor id" description="As the log records it" className={s.field}>
          <Input
            id="audit-filter-actor"
            width={20}
            placeholder="user:42"
            value={draft.actorId}
            onChange={(e) => setDraft({ ...draft, actorId: e.currentTarget.value })}
            data-testid={testIds.audit.filterActor}
          />
        </Field>
        <Field label="Resource type" description="e.g. project, project_member" className={s.field}>
          <Input
            id="audit-filter-resource-type"
            width={20}
            placeholder="project_member"
            value={draft.resourceType}
            onChange={(e) => setDraft({ ...draft, resourceType: e.currentTarget.value })}
            data-testid={testIds.audit.filterResourceType}
          />
        </Field>
        <Field label="Time range" description="Any time when empty" className={s.field}>
          <div data-testid={testIds.audit.filterTimeRange} className={s.timeRange}>
            <TimeRangeInput
              value={draft.timeRange}
              onChange={(timeRange) => setDraft({ ...draft, timeRange })}
              clearable
              placeholder="Any time"
              isReversed={false}
            />
          </div>
        </Field>
        <Stack direction="row" gap={1}>
          <Button type="submit" icon="filter" data-testid={testIds.audit.applyFilters}>
            Apply filters
          </Button>
          <Button type="button" variant="secondary" onClick={onClear} data-testid={testIds.audit.clearFilters}>
            Clear
          </Button>
        </Stack>
      </Stack>
    </form>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  field: css({
    marginBottom: 0,
  }),
  timeRange: css({
    minWidth: theme.spacing(32),
  }),
});
