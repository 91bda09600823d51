import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The sidecar's own metrics, served on GET /metrics. No tenant labels: they would leak org and project ids. */
export class Metrics {
  readonly registry = new Registry();
  readonly signalsIngested = new Counter({
    name: 'sre_copilot_signals_ingested_total',
    help: 'Signals stored, by source and type',
    labelNames: ['source', 'type'] as const,
    registers: [this.registry],
  });
  readonly duplicatesDropped = new Counter({
    name: 'sre_copilot_signal_duplicates_total',
    help: 'Signals received again without change (repeated deliveries), dropped',
    registers: [this.registry],
  });
  readonly ingestLatency = new Histogram({
    name: 'sre_copilot_ingest_duration_seconds',
    help: 'Time from receiving a delivery to its commit',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly ingestRejected = new Counter({
    name: 'sre_copilot_ingest_rejected_total',
    help: 'Deliveries refused, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly incidentsOpened = new Counter({
    name: 'sre_copilot_incidents_opened_total',
    help: 'Incidents opened (created or reopened) by correlation or by hand',
    labelNames: ['origin'] as const,
    registers: [this.registry],
  });
  readonly sseClients = new Gauge({
    name: 'sre_copilot_sse_clients',
    help: 'Connected server-sent-event clients',
    registers: [this.registry],
  });
  readonly pollJobs = new Counter({
    name: 'sre_copilot_poll_jobs_total',
    help: 'Project polls run by this replica, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly pollQueries = new Counter({
    name: 'sre_copilot_poll_queries_total',
    help: 'PromQL queries run by the poller, by result (ok, error, skipped: already run for the tick elsewhere)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly pollDuration = new Histogram({
    name: 'sre_copilot_poll_duration_seconds',
    help: 'Time to poll one project at one tick (queries, scoring, signals)',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly metricAnomalies = new Counter({
    name: 'sre_copilot_metric_anomalies_total',
    help: 'Metric signals opened and resolved by the poller',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sre_copilot_' });
  }
}
