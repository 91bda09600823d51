import React from 'react';
import { Badge } from '@grafana/ui';
import type { LiveConnectionState } from '../../api';

const LOOK = {
  connecting: { color: 'blue', icon: 'sync', text: 'Connecting…', tooltip: 'Opening the live event stream.' },
  live: { color: 'green', icon: 'circle', text: 'Live', tooltip: 'Changes appear here as they happen.' },
  reconnecting: {
    color: 'orange',
    icon: 'sync',
    text: 'Reconnecting…',
    tooltip: 'The live event stream dropped; retrying. What changed meanwhile is read again once it is back.',
  },
  unavailable: {
    color: 'darkgrey',
    icon: 'pause',
    text: 'Live updates off',
    tooltip: 'This browser cannot receive live events; reload the page to see changes.',
  },
} as const;

/** Whether the page receives live changes; `data-state` carries the state for tests. */
export function LiveIndicator({ state, testId }: { state: LiveConnectionState; testId: string }) {
  const { color, icon, text, tooltip } = LOOK[state];
  return <Badge color={color} icon={icon} text={text} tooltip={tooltip} data-testid={testId} data-state={state} />;
}
