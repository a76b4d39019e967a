import http from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { listen } from '../listen';

/**
 * A worker's Prometheus metrics: what it probed, how late, and how its result writes batch. One registry per process
 * (a worker process holds one writer and one set of activities), served by `startWorkerMetricsServer`.
 */
export const workerRegistry = new Registry();
collectDefaultMetrics({ register: workerRegistry, prefix: 'vigil_worker_' });

export const workerMetrics = {
  probes: new Counter({
    name: 'vigil_worker_probes_total',
    help: 'Probe slots handled, by probe kind and outcome (missed: nobody could probe the slot in time)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [workerRegistry],
  }),
  scheduleLag: new Histogram({
    name: 'vigil_worker_schedule_lag_seconds',
    help: 'How late a probe started after its slot time',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [workerRegistry],
  }),
  resultsWritten: new Counter({
    name: 'vigil_worker_results_written_total',
    help: 'Probe results sent to Postgres, by what became of them: recorded, duplicate (the slot had one), fenced (target changed)',
    labelNames: ['status'] as const,
    registers: [workerRegistry],
  }),
  writeBatchSize: new Histogram({
    name: 'vigil_worker_write_batch_size',
    help: 'Results per group-commit statement',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
    registers: [workerRegistry],
  }),
};

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** Serves GET /metrics (and nothing else) on its own port, apart from anything a probe could reach. */
export async function startWorkerMetricsServer(host: string, port: number): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    workerRegistry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': workerRegistry.contentType }).end(body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
    );
  });
  const url = await listen(server, host, port);
  return { url: `${url}/metrics`, close: () => new Promise((done) => server.close(() => done())) };
}

/** One probe slot handled: its outcome, how late it started (not for manual checks, which have no slot), its write. */
export function recordSlot(kind: string, outcome: string, lagMs: number | undefined, written: 'recorded' | 'duplicate' | 'fenced'): void {
  workerMetrics.probes.inc({ kind, outcome });
  if (lagMs !== undefined) workerMetrics.scheduleLag.observe(Math.max(0, lagMs) / 1000);
  workerMetrics.resultsWritten.inc({ status: written });
}
