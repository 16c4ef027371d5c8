import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one server instance (a registry per app, so tests can run many). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'tessera_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'tessera_http_request_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    logins: new Counter({
      name: 'tessera_logins_total',
      help: 'Password logins by result',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    refreshes: new Counter({
      name: 'tessera_refreshes_total',
      help: 'Refresh-token rotations',
      registers: [registry],
    }),
    vaultValues: new Counter({
      name: 'tessera_vault_values_total',
      help: 'Vault values tokenized, detokenized and deleted, by outcome',
      labelNames: ['op', 'result'] as const,
      registers: [registry],
    }),
    refreshReuse: new Counter({
      name: 'tessera_refresh_reuse_total',
      help: 'Replays of a rotated refresh token (each ends its session)',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
