import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, type TimeRange } from '@grafana/data';
import { Button, Field, Stack, TimeRangeInput, useStyles2 } from '@grafana/ui';

interface TimeRangeFilterProps {
  label: string;
  description?: string;
  value: TimeRange;
  onChange: (timeRange: TimeRange) => void;
  'data-testid': string;
}

/** A filter form's time range; empty means any time. */
export function TimeRangeFilter({ label, description, value, onChange, 'data-testid': testId }: TimeRangeFilterProps) {
  const s = useStyles2(getStyles);
  return (
    <Field label={label} description={description} className={s.field}>
      <div data-testid={testId} className={s.timeRange}>
        <TimeRangeInput value={value} onChange={onChange} clearable placeholder="Any time" isReversed={false} />
      </div>
    </Field>
  );
}

interface FilterButtonsProps {
  onClear: () => void;
  applyTestId: string;
  clearTestId: string;
}

/** A filter form's buttons: submit to apply the filters, or clear them all. */
export function FilterButtons({ onClear, applyTestId, clearTestId }: FilterButtonsProps) {
  return (
    <Stack direction="row" gap={1}>
      <Button type="submit" icon="filter" data-testid={applyTestId}>
        Apply filters
      </Button>
      <Button type="button" variant="secondary" onClick={onClear} data-testid={clearTestId}>
        Clear
      </Button>
    </Stack>
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
