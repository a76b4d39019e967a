import net from 'node:net';
import { startTargetWorkflow } from '../../src/api/targets/workflow';
import { TargetSpecSchema } from '../../src/domain/target';
import { eventually } from '../support/eventually';
import { useStack } from '../support/stack';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

/** The sum of a metric's samples whose labels include `labels`, from Prometheus text. */
function sample(text: string, name: string, labels = ''): number {
  return text
    .split('\n')
    .filter((line) => line.split(/[{ ]/)[0] === name && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('the worker process metrics', () => {
  const stack = useStack({ temporal: 'local', db: true, site: true });

  it('serves Prometheus metrics on VIGIL_WORKER_METRICS_PORT: probes, schedule lag, results written, write batch sizes', async () => {
    const port = await freePort();
    const worker = await stack.startWorkerProcess({ VIGIL_WORKER_METRICS_PORT: String(port), LOG_LEVEL: 'info' });
    try {
      expect(worker.output()).toContain(`"metrics":"http://127.0.0.1:${port}/metrics"`);
      const spec = TargetSpecSchema.parse({ name: 'measured', intervalSeconds: 1, probe: { kind: 'http', url: stack.site.url } });
      await startTargetWorkflow(stack.temporal.client, 'tgt_METRICS00000000000000000000', spec);
      const text = await eventually(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(res.status).toBe(200);
        const body = await res.text();
        expect(sample(body, 'vigil_worker_probes_total', 'outcome="up"')).toBeGreaterThanOrEqual(3);
        return body;
      });
      expect(sample(text, 'vigil_worker_probes_total', 'kind="http"')).toBeGreaterThanOrEqual(3);
      expect(sample(text, 'vigil_worker_results_written_total', 'status="recorded"')).toBeGreaterThanOrEqual(3);
      expect(sample(text, 'vigil_worker_schedule_lag_seconds_count')).toBeGreaterThanOrEqual(3);
      expect(sample(text, 'vigil_worker_write_batch_size_count')).toBeGreaterThanOrEqual(3);
      // The probes ran on their slots: late by well under a second.
      expect(sample(text, 'vigil_worker_schedule_lag_seconds_bucket', 'le="1"')).toBe(sample(text, 'vigil_worker_schedule_lag_seconds_count'));
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      await worker.stop('SIGTERM');
    }
    await stack.temporal.client.workflow.getHandle('target-tgt_METRICS00000000000000000000').terminate('test done');
  });
});
