import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of one process, served at GET /metrics. Labels stay bounded: outcomes and Segment's
 * categories, never destination or event ids (a workspace may have thousands).
 */
export class SwitchyardMetrics {
  readonly registry = new Registry();
  readonly ingested = new Counter({
    name: 'switchyard_events_ingested_total',
    help: 'Events stored (duplicates not counted)',
    registers: [this.registry],
  });
  readonly outcomes = new Counter({
    name: 'switchyard_deliveries_total',
    help: 'Delivery attempts by outcome (delivered, retry, throttled, discarded, dead) and category',
    labelNames: ['outcome', 'category'],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'switchyard_queue_due',
    help: 'Deliveries due now, counted every 5 s up to 10,000 per destination',
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: 'switchyard_invocations_in_flight',
    help: 'Function invocations running',
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'switchyard_invocation_duration_seconds',
    help: 'Wall time of function invocations',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'switchyard_process_' });
  }
}
