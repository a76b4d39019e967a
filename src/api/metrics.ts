import type { RequestHandler } from 'express';
import type { Pool } from 'pg';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Operation } from './operations';

/**
 * The API's Prometheus metrics: request latency by route template and status (never by raw path, so cardinality
 * stays bounded), the pool's connections, and the process's own (event loop lag, memory, GC). A registry per app,
 * so several apps in one process (tests) keep their own.
 */
export function apiMetrics(pool: Pool): { middleware: RequestHandler; operation: Operation } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vigil_api_' });
  const duration = new Histogram({
    name: 'vigil_api_request_duration_seconds',
    help: 'API request latency, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'vigil_api_db_pool_connections',
    help: 'Postgres connections of the API pool, by state (idle, busy, waiting = requests waiting for one)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'busy' }, pool.totalCount - pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  const middleware: RequestHandler = (req, res, next) => {
    const stop = duration.startTimer();
    res.on('finish', () => {
      // Matched routes are labelled by their template; everything else (404s, probes of random paths) by nothing.
      const route = req.route ? String(req.route.path) : 'unmatched';
      stop({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
  const operation: Operation = {
    method: 'get',
    path: '/metrics',
    tag: 'Operations',
    access: 'public',
    summary: 'Prometheus metrics',
    description: 'Request latency by route and status, Postgres pool use, and process metrics, in the Prometheus text format.',
    responses: { 200: { description: 'Prometheus text exposition format' } },
    handler: async (_req, res) => {
      res.type(registry.contentType).send(await registry.metrics());
    },
  };
  return { middleware, operation };
}
