import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startApi, type RunningApi } from '../support/api';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { eventually } from '../support/eventually';
import { startFakeTarget, type FakeTarget } from '../support/fake-target';
import { startLocalTemporal, untilBacklogAged } from '../support/temporal';
import { startWorker, type RunningWorker } from '../support/worker';

/**
 * A target the API accepted must be probed soon: while Temporal's tasks wait in a backlog for workers, a new target
 * would wait with them, so the API refuses it, says when to try again, and stores nothing. Here the backlog is real:
 * no worker runs until the test starts one.
 */
describe('admitting a new target', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let site: FakeTarget;
  let api: RunningApi;
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    [env, db, site] = await Promise.all([startLocalTemporal(), createTestDatabase(), startFakeTarget()]);
    api = await startApi(db, env.client, { admissionMaxBacklogSeconds: 1 });
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await env?.teardown();
    await site?.close();
    await db?.drop();
  });

  const create = (name: string) => api.request().post('/v1/targets').send({ name, url: site.url, intervalSeconds: 2 });
  const workflows = async () => {
    let n = 0;
    for await (const _ of env.client.workflow.list({ query: 'WorkflowType = "targetWorkflow"' })) n++;
    return n;
  };

  it('is refused with 503 and Retry-After while tasks wait for a worker, and admitted and probed once they do not', async () => {
    expect((await create('first')).status).toBe(201);

    // Nobody polls: the first target's workflow task ages in the backlog past the 1 s allowed, as Temporal reports it
    // (its figures are refreshed every few seconds).
    await untilBacklogAged(env, 2);
    const refused = await create('second');
    expect(refused.status).toBe(503);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ type: 'https://vigil.dev/problems/temporal-busy', status: 503 });
    expect(refused.body.detail).toMatch(/^Vigil's workflow tasks wait \d+\.\d s for a worker \(at most 1 s\)/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(2);
    const names = async () => (await db.pool.query<{ name: string }>('SELECT name FROM targets ORDER BY name')).rows.map((r) => r.name);
    expect(await names()).toEqual(['first']);
    expect(await workflows()).toBe(1);

    // A worker drains the backlog: the client's retry is admitted, and both targets are probed.
    worker = await startWorker(env, db.pool);
    const admitted = await eventually(
      async () => {
        const res = await create('second');
        expect(res.status).toBe(201);
        return res.body as { id: string };
      },
      60_000,
      500,
    );
    await eventually(async () => {
      const { rows } = await db.pool.query('SELECT DISTINCT target_id FROM check_results');
      expect(rows.map((r) => r.target_id)).toContain(admitted.id);
      expect(rows).toHaveLength(2);
    }, 30_000);
  });
});
