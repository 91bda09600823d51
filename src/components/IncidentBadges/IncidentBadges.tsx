import React from 'react';
import { Badge, type BadgeColor, type IconName } from '@grafana/ui';
import type { IncidentStatusName, SeverityName, Signal } from '../../api';
import { SEVERITY_NAMES, STATUS_NAMES } from '../../incidents/incidentText';

// Colours from Grafana's palette; icons as well, so that colour is not the only cue.
const SEVERITY_LOOK: Record<SeverityName, { color: BadgeColor; icon: IconName }> = {
  critical: { color: 'red', icon: 'fire' },
  high: { color: 'orange', icon: 'exclamation-triangle' },
  warning: { color: 'purple', icon: 'exclamation-circle' },
  info: { color: 'blue', icon: 'info-circle' },
};

const STATUS_LOOK: Record<IncidentStatusName, { color: BadgeColor; icon: IconName }> = {
  triggered: { color: 'red', icon: 'bell' },
  acknowledged: { color: 'orange', icon: 'eye' },
  investigating: { color: 'purple', icon: 'search' },
  mitigated: { color: 'blue', icon: 'shield' },
  resolved: { color: 'green', icon: 'check-circle' },
};

interface BadgeTestProps {
  'data-testid'?: string;
}

export function SeverityBadge({ severity, ...rest }: { severity: SeverityName } & BadgeTestProps) {
  const { color, icon } = SEVERITY_LOOK[severity];
  return <Badge color={color} icon={icon} text={SEVERITY_NAMES[severity]} data-severity={severity} {...rest} />;
}

export function StatusBadge({ status, ...rest }: { status: IncidentStatusName } & BadgeTestProps) {
  const { color, icon } = STATUS_LOOK[status];
  return <Badge color={color} icon={icon} text={STATUS_NAMES[status]} data-status={status} {...rest} />;
}

const SIGNAL_STATUS_LOOK: Record<Signal['status'], { color: BadgeColor; icon: IconName; text: string }> = {
  firing: { color: 'red', icon: 'fire', text: 'Firing' },
  resolved: { color: 'green', icon: 'check', text: 'Resolved' },
};

export function SignalStatusBadge({ status, ...rest }: { status: Signal['status'] } & BadgeTestProps) {
  const { color, icon, text } = SIGNAL_STATUS_LOOK[status];
  return <Badge color={color} icon={icon} text={text} data-status={status} {...rest} />;
}
