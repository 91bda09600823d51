import { describe, expect, it } from 'vitest';
import { isGrafanaTestNotification } from './test-notification.ts';

describe('isGrafanaTestNotification', () => {
  const test = { labels: { alertname: 'TestAlert', instance: 'Grafana' } };

  it("recognises Grafana's test alert, with or without extra labels", () => {
    expect(isGrafanaTestNotification({ alerts: [test] })).toBe(true);
    expect(isGrafanaTestNotification({ alerts: [{ labels: { ...test.labels, team: 'payments' } }] })).toBe(true);
  });

  it('takes anything else for real alerts', () => {
    expect(isGrafanaTestNotification({ alerts: [] })).toBe(false);
    expect(isGrafanaTestNotification({ alerts: [{ labels: { alertname: 'TestAlert', instance: 'web-1' } }] })).toBe(
      false
    );
    expect(isGrafanaTestNotification({ alerts: [{ labels: { instance: 'Grafana' } }] })).toBe(false);
    expect(isGrafanaTestNotification({ alerts: [test, { labels: { alertname: 'HighLatency' } }] })).toBe(false);
  });
});
