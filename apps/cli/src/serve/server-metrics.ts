import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The Prometheus metrics of a prediction server, in a registry of its own (not the global one). */
export interface ServerMetrics {
  /** Rendered by `GET /metrics`. */
  registry: Registry;
  /** Requests by route and status code. */
  requests: Counter<'route' | 'status'>;
  /** Request latency in seconds, by route. */
  latency: Histogram<'route'>;
  /** Images per batch run through the model. */
  batchSize: Histogram;
  /** Images waiting for a batch. */
  queueDepth: Gauge;
  /** Failed requests by kind (the error code of the JSON body). */
  errors: Counter<'kind'>;
}

/**
 * Creates the server's metrics; `queueDepth` is read from `depth` when scraped. Process metrics
 * (CPU, RSS, event-loop lag) are included, with prom-client's default names.
 */
export function createServerMetrics(depth: () => number): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'graft_requests_total',
      help: 'HTTP requests by route and status code',
      labelNames: ['route', 'status'],
      registers,
    }),
    latency: new Histogram({
      name: 'graft_request_duration_seconds',
      help: 'HTTP request latency, from the request received to the response sent',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    batchSize: new Histogram({
      name: 'graft_batch_size',
      help: 'Images per batch run through the model',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'graft_queue_depth',
      help: 'Images waiting for a batch',
      registers,
      collect() {
        this.set(depth());
      },
    }),
    errors: new Counter({
      name: 'graft_errors_total',
      help: 'Failed requests by kind (the code of the JSON error)',
      labelNames: ['kind'],
      registers,
    }),
  };
}
