import { eventually } from '../support/eventually';
import { untilBacklogAged } from '../support/temporal';
import { useStack } from '../support/stack';

/**
 * A target the API accepted must be probed soon: while Temporal's tasks wait in a backlog for workers, a new target
 * would wait with them, so the API refuses it, says when to try again, and stores nothing. Here the backlog is real:
 * no worker runs until the test starts one.
 */
describe('admitting a new target', () => {
  const stack = useStack({ temporal: 'local', api: { admissionMaxBacklogSeconds: 1 }, site: true });

  const create = (name: string) => stack.api.request().post('/v1/targets').send({ name, url: stack.site.url, intervalSeconds: 2 });
  const workflows = async () => {
    let n = 0;
    for await (const _ of stack.temporal.client.workflow.list({ query: 'WorkflowType = "targetWorkflow"' })) n++;
    return n;
  };

  it('is refused with 503 and Retry-After while tasks wait for a worker, and admitted and probed once they do not', async () => {
    expect((await create('first')).status).toBe(201);

    // Nobody polls: the first target's workflow task ages in the backlog past the 1 s allowed, as Temporal reports it
    // (its figures are refreshed every few seconds).
    await untilBacklogAged(stack.temporal, 2);
    const refused = await create('second');
    expect(refused.status).toBe(503);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ type: 'https://vigil.dev/problems/temporal-busy', status: 503 });
    expect(refused.body.detail).toMatch(/^Vigil's workflow tasks wait \d+\.\d s for a worker \(at most 1 s\)/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(2);
    const names = async () => (await stack.db.pool.query<{ name: string }>('SELECT name FROM targets ORDER BY name')).rows.map((r) => r.name);
    expect(await names()).toEqual(['first']);
    expect(await workflows()).toBe(1);

    // A worker drains the backlog: the client's retry is admitted, and both targets are probed.
    await stack.startWorker();
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
      const { rows } = await stack.db.pool.query('SELECT DISTINCT target_id FROM check_results');
      expect(rows.map((r) => r.target_id)).toContain(admitted.id);
      expect(rows).toHaveLength(2);
    }, 30_000);
  });
});
