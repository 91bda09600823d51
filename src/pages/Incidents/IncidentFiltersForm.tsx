import React, { FormEvent, useState } from 'react';
import { css } from '@emotion/css';
import { type ComboboxOption, Field, Icon, MultiCombobox, Stack, useStyles2 } from '@grafana/ui';
import type { IncidentStatusName, SeverityName } from '../../api';
import { FilterButtons, TimeRangeFilter } from '../../components/FilterForm/FilterForm';
import { TextInputField } from '../../components/FormFields/FormFields';
import { testIds } from '../../components/testIds';
import { INCIDENT_STATUSES, SEVERITIES, SEVERITY_NAMES, STATUS_NAMES } from '../../incidents/incidentText';
import { emptyIncidentFilters, type IncidentFilterValues } from './incidentFilters';

const STATUS_OPTIONS: Array<ComboboxOption<IncidentStatusName>> = INCIDENT_STATUSES.map((status) => ({
  value: status,
  label: STATUS_NAMES[status],
}));

const SEVERITY_OPTIONS: Array<ComboboxOption<SeverityName>> = SEVERITIES.map((severity) => ({
  value: severity,
  label: SEVERITY_NAMES[severity],
}));

interface IncidentFiltersFormProps {
  /** The filters in effect. */
  applied: IncidentFilterValues;
  onApply: (filters: IncidentFilterValues) => void;
}

/** The incident filters; they apply on submit, so that typing does not fire a request per key. */
export function IncidentFiltersForm({ applied, onApply }: IncidentFiltersFormProps) {
  const s = useStyles2(getStyles);
  const [draft, setDraft] = useState<IncidentFilterValues>(applied);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    onApply(draft);
  };

  const onClear = () => {
    const cleared = emptyIncidentFilters();
    setDraft(cleared);
    onApply(cleared);
  };

  return (
    <form onSubmit={onSubmit} data-testid={testIds.incidents.filters} aria-label="Incident filters">
      <Stack direction="row" gap={2} alignItems="flex-end" wrap="wrap">
        <Field label="Status" className={s.field}>
          <div data-testid={testIds.incidents.filterStatus}>
            <MultiCombobox<IncidentStatusName>
              id="incidents-filter-status"
              placeholder="Any status"
              options={STATUS_OPTIONS}
              value={draft.status}
              onChange={(options) => setDraft({ ...draft, status: options.map((option) => option.value) })}
              width="auto"
              minWidth={20}
              maxWidth={50}
            />
          </div>
        </Field>
        <Field label="Severity" className={s.field}>
          <div data-testid={testIds.incidents.filterSeverity}>
            <MultiCombobox<SeverityName>
              id="incidents-filter-severity"
              placeholder="Any severity"
              options={SEVERITY_OPTIONS}
              value={draft.severity}
              onChange={(options) => setDraft({ ...draft, severity: options.map((option) => option.value) })}
              width="auto"
              minWidth={20}
              maxWidth={40}
            />
          </div>
        </Field>
        <TextInputField
          label="Service"
          className={s.field}
          id="incidents-filter-service"
          width={20}
          placeholder="checkout-api"
          maxLength={200}
          value={draft.service}
          onChange={(service) => setDraft({ ...draft, service })}
          data-testid={testIds.incidents.filterService}
        />
        <TextInputField
          label="Search"
          className={s.field}
          id="incidents-filter-search"
          width={28}
          prefix={<Icon name="search" />}
          placeholder="Title or description"
          maxLength={200}
          value={draft.search}
          onChange={(search) => setDraft({ ...draft, search })}
          data-testid={testIds.incidents.filterSearch}
        />
        <TimeRangeFilter
          label="Created"
          value={draft.timeRange}
          onChange={(timeRange) => setDraft({ ...draft, timeRange })}
          data-testid={testIds.incidents.filterTimeRange}
        />
        <FilterButtons
          onClear={onClear}
          applyTestId={testIds.incidents.applyFilters}
          clearTestId={testIds.incidents.clearFilters}
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
