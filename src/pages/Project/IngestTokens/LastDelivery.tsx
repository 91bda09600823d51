import React from 'react';
import { dateTimeFormat } from '@grafana/data';
import { Badge, Stack, Text } from '@grafana/ui';
import type { IngestToken } from '../../../api';
import { testIds } from '../../../components/testIds';
import { formatAge } from '../../../incidents/incidentText';

type Delivery = NonNullable<IngestToken['lastDelivery']>;

/** The routes as the admin configured them: the sender behind each, or the API that was called. */
const ROUTE_LABELS: Record<Delivery['route'], string> = {
  alertmanager: 'Alertmanager webhook',
  grafana: 'Grafana webhook',
  signals: 'Signals API',
  deployments: 'Deployments API',
};

/**
 * When the token last carried a delivery, and on which route: the age, with the time itself on hover, so that an
 * admin sees at a glance whether a sender still uses the token. Grafana's contact point test is marked, since it
 * proves the settings right but opens no incident.
 */
export function LastDelivery({ delivery, now }: { delivery: IngestToken['lastDelivery']; now: number }) {
  if (!delivery) {
    return (
      <span data-testid={testIds.ingestTokens.lastDelivery}>
        <Text color="secondary">never</Text>
      </span>
    );
  }
  return (
    <Stack direction="column" gap={0}>
      <span
        title={dateTimeFormat(delivery.at)}
        data-testid={testIds.ingestTokens.lastDelivery}
        data-route={delivery.route}
        data-test={String(delivery.test)}
      >
        <Text tabular>{formatAge(delivery.at, now)}</Text>
      </span>
      <Stack direction="row" gap={1} alignItems="center">
        <Text color="secondary" variant="bodySmall">
          {ROUTE_LABELS[delivery.route]}
        </Text>
        {delivery.test && (
          <Badge
            color="blue"
            text="test"
            tooltip="Grafana's Test notification: no signal or incident was stored"
            data-testid={testIds.ingestTokens.lastDeliveryTest}
          />
        )}
      </Stack>
    </Stack>
  );
}
