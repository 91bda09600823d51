import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import { AppEvents, type AlertErrorPayload, type GrafanaTheme2 } from '@grafana/data';
import { Alert, useStyles2, type AlertVariant } from '@grafana/ui';
import { appEvents } from './services.ts';

interface Toast {
  id: number;
  severity: AlertVariant;
  title: string;
  text?: string;
}

const TIMEOUT_MS: Record<AlertVariant, number> = { success: 3000, info: 3000, warning: 5000, error: 7000 };

let nextId = 1;

/** Grafana's app notifications: toasts for the alertSuccess/Warning/Error/Info app events. */
export function Notifications() {
  const s = useStyles2(getStyles);
  const [toasts, setToasts] = useState<Toast[]>([]);

  useEffect(() => {
    const add = (severity: AlertVariant) => (payload?: AlertErrorPayload) => {
      if (!payload) {
        return;
      }
      const [title, text] = payload;
      const toast: Toast = { id: nextId++, severity, title, text: text instanceof Error ? text.message : text };
      setToasts((current) => [...current, toast]);
      setTimeout(() => setToasts((current) => current.filter((t) => t.id !== toast.id)), TIMEOUT_MS[severity]);
    };
    const handlers = [
      [AppEvents.alertSuccess, add('success')],
      [AppEvents.alertWarning, add('warning')],
      [AppEvents.alertError, add('error')],
      [AppEvents.alertInfo, add('info')],
    ] as const;
    for (const [event, handler] of handlers) {
      appEvents.on(event, handler);
    }
    return () => {
      for (const [event, handler] of handlers) {
        appEvents.off(event, handler);
      }
    };
  }, []);

  return (
    <div className={s.container} data-testid="stand-in-host-notifications">
      {toasts.map((toast) => (
        <Alert
          key={toast.id}
          severity={toast.severity}
          title={toast.title}
          elevated
          onRemove={() => setToasts((current) => current.filter((t) => t.id !== toast.id))}
        >
          {toast.text}
        </Alert>
      ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  container: css({
    position: 'fixed',
    top: 56,
    right: theme.spacing(2),
    zIndex: theme.zIndex.portal,
    width: 400,
    maxWidth: '90vw',
  }),
});
