import React, { useState } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, GrafanaTheme2 } from '@grafana/data';
import { EmptyState, IconButton, Stack, Tag, Text, TextLink, useStyles2 } from '@grafana/ui';
import type { Signal } from '../../api';
import { getTableStyles } from '../../components/DataTable/getTableStyles';
import { SeverityBadge, SignalStatusBadge } from '../../components/IncidentBadges/IncidentBadges';
import { testIds } from '../../components/testIds';
import { isExternalUrl, safeLinkUrl } from '../../utils/links';

interface SignalsTableProps {
  signals: Signal[];
  /** How many signals the incident has; the detail carries the first ones only. */
  total: number;
}

const COLUMNS = 8;

/** The incident's signals; each row opens to its labels and the rest of what the sender said. */
export function SignalsTable({ signals, total }: SignalsTableProps) {
  const s = useStyles2(getStyles);
  const [expanded, setExpanded] = useState<Set<number>>(() => new Set());

  if (signals.length === 0) {
    return (
      <div data-testid={testIds.incident.signalsEmpty}>
        <EmptyState variant="not-found" message="No signals" hideImage>
          This incident was declared by hand; no alert has been attached to it.
        </EmptyState>
      </div>
    );
  }

  const toggle = (signalId: number) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (!next.delete(signalId)) {
        next.add(signalId);
      }
      return next;
    });

  return (
    <Stack direction="column" gap={1}>
      {total > signals.length && (
        <Text color="secondary">
          Showing the first {signals.length} of {total} signals.
        </Text>
      )}
      <table className={s.table} data-testid={testIds.incident.signalsTable}>
        <thead>
          <tr>
            <th aria-label="Details" />
            <th>Status</th>
            <th>Severity</th>
            <th>Title</th>
            <th>Service</th>
            <th>Starts</th>
            <th>Ends</th>
            <th>Source</th>
          </tr>
        </thead>
        <tbody>
          {signals.map((signal) => {
            const isExpanded = expanded.has(signal.id);
            return (
              <React.Fragment key={signal.id}>
                <tr data-testid={testIds.incident.signalRow} data-signal-id={signal.id}>
                  <td>
                    <IconButton
                      name={isExpanded ? 'angle-down' : 'angle-right'}
                      tooltip={isExpanded ? 'Hide labels' : `Show labels (${Object.keys(signal.labels).length})`}
                      aria-expanded={isExpanded}
                      onClick={() => toggle(signal.id)}
                      data-testid={testIds.incident.signalToggle}
                    />
                  </td>
                  <td>
                    <SignalStatusBadge status={signal.status} />
                  </td>
                  <td>
                    <SeverityBadge severity={signal.severity} />
                  </td>
                  <td className={s.title}>{signal.title}</td>
                  <td>{signal.service ?? <Text color="secondary">—</Text>}</td>
                  <td className={s.nowrap}>
                    <Text tabular>{dateTimeFormat(signal.startsAt)}</Text>
                  </td>
                  <td className={s.nowrap}>
                    {signal.endsAt ? (
                      <Text tabular>{dateTimeFormat(signal.endsAt)}</Text>
                    ) : (
                      <Text color="secondary">—</Text>
                    )}
                  </td>
                  <td>
                    <Stack direction="column" gap={0}>
                      <Text>{signal.source}</Text>
                      <GeneratorLink url={signal.generatorUrl} />
                    </Stack>
                  </td>
                </tr>
                {isExpanded && (
                  <tr className={s.detailsRow}>
                    <td colSpan={COLUMNS}>
                      <SignalDetails signal={signal} />
                    </td>
                  </tr>
                )}
              </React.Fragment>
            );
          })}
        </tbody>
      </table>
    </Stack>
  );
}

/** The link to where the signal came from (the alert rule), when it is safe to follow. */
function GeneratorLink({ url }: { url: string | null }) {
  const safe = safeLinkUrl(url);
  if (!safe) {
    return null;
  }
  return (
    <TextLink
      href={safe}
      external={isExternalUrl(safe)}
      variant="bodySmall"
      data-testid={testIds.incident.signalGeneratorLink}
    >
      Open source
    </TextLink>
  );
}

/** A measured value as people read it: four significant digits (a metric anomaly's ratio, σ and score). */
export function formatValue(value: number | null): string {
  return value === null ? 'none' : String(Number(value.toPrecision(4)));
}

function SignalDetails({ signal }: { signal: Signal }) {
  const s = useStyles2(getStyles);
  const labels = Object.entries(signal.labels).sort(([a], [b]) => a.localeCompare(b));
  const values = Object.entries(signal.values ?? {});
  return (
    <div data-testid={testIds.incident.signalLabels} data-signal-id={signal.id}>
      <Stack direction="column" gap={1}>
        {labels.length > 0 ? (
          <ul className={s.labels} aria-label="Labels">
            {labels.map(([key, value]) => (
              <li key={key}>
                <Tag name={`${key}=${value}`} data-testid={testIds.incident.signalLabel} data-label-key={key} />
              </li>
            ))}
          </ul>
        ) : (
          <Text color="secondary">No labels.</Text>
        )}
        {signal.description && (
          <Text element="p" variant="bodySmall">
            {signal.description}
          </Text>
        )}
        {values.length > 0 && (
          <Text variant="bodySmall" color="secondary">
            Values: {values.map(([name, value]) => `${name}=${formatValue(value)}`).join(', ')}
          </Text>
        )}
        {signal.warnings.map((warning) => (
          <Text key={warning} variant="bodySmall" color="warning">
            {warning}
          </Text>
        ))}
        <Text variant="bodySmall" color="secondary">
          {signal.type} · fingerprint {signal.fingerprint} · received {dateTimeFormat(signal.receivedAt)}
        </Text>
      </Stack>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  ...getTableStyles(theme),
  title: css({
    wordBreak: 'break-word',
  }),
  detailsRow: css({
    background: theme.colors.background.secondary,
  }),
  labels: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5),
    listStyle: 'none',
    margin: 0,
    padding: 0,
  }),
});
