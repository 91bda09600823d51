/**
 * Grafana's "Test" button on a contact point sends one made-up alert through the contact point, labelled
 * `alertname=TestAlert` and `instance=Grafana` (with the annotation `summary=Notification test`), built by
 * `newTestAlert` of Grafana's alerting notifier. It checks the path from Grafana to here, and is no incident.
 */
export const GRAFANA_TEST_LABELS: Readonly<Record<string, string>> = { alertname: 'TestAlert', instance: 'Grafana' };

/**
 * Whether a Grafana delivery is the contact point test: every alert in it carries the test alert's labels. A test
 * with custom labels that replace `alertname` or `instance` is not recognised, and is ingested as a real alert.
 */
export function isGrafanaTestNotification(payload: { alerts: ReadonlyArray<{ labels: Record<string, string> }> }) {
  return (
    payload.alerts.length > 0 &&
    payload.alerts.every((alert) =>
      Object.entries(GRAFANA_TEST_LABELS).every(([name, value]) => alert.labels[name] === value)
    )
  );
}
