import { targetWorkflowId } from '../../src/ids';
import { eventually } from '../support/eventually';
import { useStack } from '../support/stack';
import { untilBacklogAged } from '../support/temporal';

/** POST /v1/targets/bulk: an import in batches, against the real API, Temporal and Postgres. */
describe('creating targets in bulk', () => {
  const stack = useStack({ temporal: 'local', worker: true, api: true, site: true });

  const api = () => stack.api.request();
  const http = (name: string, extra: Record<string, unknown> = {}) => ({ name, url: `${stack.site.url}/${name}`, intervalSeconds: 3600, ...extra });
  const bulk = (targets: unknown[]) => api().post('/v1/targets/bulk').send({ targets });
  const targetRows = async () => (await stack.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM targets')).rows[0]!.n;
  const running = async () => {
    const ids: string[] = [];
    for await (const w of stack.temporal.client.workflow.list({ query: 'WorkflowType = "targetWorkflow" AND ExecutionStatus = "Running"' }))
      ids.push(w.workflowId);
    return ids.sort();
  };
  const workflows = async () => (await stack.temporal.client.workflow.count('WorkflowType = "targetWorkflow"')).count;
  /** Asserts the request stored and started nothing: the rows and workflows are what they were before it. */
  const nothingCreatedSince = async (before: { rows: number; workflows: number }) => {
    expect({ rows: await targetRows(), workflows: await workflows() }).toEqual(before);
  };
  const now = async () => ({ rows: await targetRows(), workflows: await workflows() });

  it('creates every target of the batch, answers them in the order sent, and each is probed', async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].map((n) => `batch-${n}`);
    const res = await bulk(names.map((n) => http(n))).expect(201);
    const ids: string[] = res.body.targets.map((t: { id: string }) => t.id);
    expect(res.body.targets.map((t: { name: string }) => t.name)).toEqual(names);
    expect(res.body.targets[0]).toMatchObject({ url: `${stack.site.url}/batch-a`, intervalSeconds: 3600, version: 1, status: { state: expect.any(String) } });
    expect(new Set(ids).size).toBe(names.length);
    for (const id of ids) expect((await api().get(`/v1/targets/${id}`).expect(200)).body.id).toBe(id);
    // Each target's first probe is made at once, whatever its interval.
    await eventually(async () => {
      const { rows } = await stack.db.pool.query<{ target_id: string }>('SELECT DISTINCT target_id FROM check_results WHERE target_id = ANY($1)', [ids]);
      expect(rows.map((r) => r.target_id).sort()).toEqual([...ids].sort());
    });
    expect(names.map((n) => stack.site.hits.some((h) => h.path === `/${n}`))).toEqual(names.map(() => true));
  });

  it('refuses the whole batch when one item is invalid, naming the item and its field, and creates nothing', async () => {
    const before = await now();
    const res = await bulk([http('fine-1'), http('bad-url', { url: 'not a url' }), http('fine-2'), http('typo', { colour: 'red' })]).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.type).toBe('https://vigil.dev/problems/invalid-request');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['targets.1.url', 'targets.3.colour']);
    await nothingCreatedSince(before);
  });

  it('refuses the whole batch when an item names an escalation policy that does not exist (422 naming the item), and creates nothing', async () => {
    const before = await now();
    const unknown = 'esc_01M8B7Z5CFY505SXTDD14RPC6R';
    const res = await bulk([http('policy-ok'), http('policy-gone', { escalationPolicyId: unknown })]).expect(422);
    expect(res.body.errors).toEqual([{ field: 'targets.1.escalationPolicyId', message: `no escalation policy ${unknown}` }]);
    await nothingCreatedSince(before);
  });

  it('refuses two heartbeat targets of the batch with the same ping token, naming the second, and creates nothing', async () => {
    const before = await now();
    const token = 'S'.repeat(43);
    const res = await bulk([
      { name: 'cron-1', kind: 'heartbeat', intervalSeconds: 3600, token },
      http('between'),
      { name: 'cron-2', kind: 'heartbeat', intervalSeconds: 3600, token },
    ]).expect(400);
    expect(res.body.errors).toEqual([{ field: 'targets.2.token', message: 'the same token as an earlier target of the batch' }]);
    await nothingCreatedSince(before);
  });

  it('takes 1 to 100 targets: none, or more than 100, is a 400 naming `targets`', async () => {
    const before = await now();
    for (const targets of [[], Array.from({ length: 101 }, (_, i) => http(`over-${i}`))]) {
      const res = await bulk(targets).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['targets']);
    }
    await nothingCreatedSince(before);
  });

  it('with an Idempotency-Key, replays the answer to a retry and creates nothing more', async () => {
    const send = () =>
      api()
        .post('/v1/targets/bulk')
        .set('Idempotency-Key', 'import-1')
        .send({ targets: [http('key-a'), http('key-b'), http('key-c')] });
    const first = await send().expect(201);
    const before = await now();
    const again = await send().expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.text).toBe(first.text);
    await nothingCreatedSince(before);
  });

  it('with an Idempotency-Key, a retry after a failure part-way through starts the same workflows, one per item, never more', async () => {
    // A row Postgres fails to write for a reason of its own (not the row's fault): the request fails with a 500 after
    // the batch's workflows were started.
    await stack.db.pool.query(`
      CREATE FUNCTION fail_crash_item() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.name = 'crash-b' THEN RAISE EXCEPTION 'the disk is gone'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER fail_crash_item BEFORE INSERT ON targets FOR EACH ROW EXECUTE FUNCTION fail_crash_item()`);
    const send = () =>
      api()
        .post('/v1/targets/bulk')
        .set('Idempotency-Key', 'import-crash')
        .send({ targets: [http('crash-a'), http('crash-b'), http('crash-c')] });
    const workflowsBefore = await workflows();
    try {
      await send().expect(500);
    } finally {
      await stack.db.pool.query('DROP TRIGGER fail_crash_item ON targets; DROP FUNCTION fail_crash_item()');
    }
    // All three items were started at once, before the one that failed did.
    expect(await workflows()).toBe(workflowsBefore + 3);

    const retried = await send().expect(201);
    const ids: string[] = retried.body.targets.map((t: { id: string }) => t.id);
    expect(retried.body.targets.map((t: { name: string }) => t.name)).toEqual(['crash-a', 'crash-b', 'crash-c']);
    expect(new Set(ids).size).toBe(3);
    // The items the first attempt started are the ones the retry answers with: three workflows in all, one per item.
    expect(await workflows()).toBe(workflowsBefore + 3);
    expect(await running()).toEqual(expect.arrayContaining(ids.map(targetWorkflowId)));
  });

  it('an item Postgres refuses after its workflow started (a ping token another target has) is undone alone: 207 naming it, the others created', async () => {
    const token = 'T'.repeat(43);
    const holder = await api().post('/v1/targets').send({ name: 'backup', kind: 'heartbeat', intervalSeconds: 3600, token }).expect(201);
    const res = await bulk([http('late-a'), { name: 'late-copy', kind: 'heartbeat', intervalSeconds: 3600, token }, http('late-c')]).expect(207);
    expect(res.body.targets.map((t: { name: string } | null) => t?.name ?? null)).toEqual(['late-a', null, 'late-c']);
    expect(res.body.refused).toEqual([
      {
        index: 1,
        type: 'https://vigil.dev/problems/conflict',
        title: expect.any(String),
        status: 409,
        detail: 'another target has this ping token',
        errors: [{ field: 'targets.1.token', message: 'taken by another target' }],
      },
    ]);
    const { rows } = await stack.db.pool.query<{ name: string }>("SELECT name FROM targets WHERE name LIKE 'late-%' ORDER BY name");
    expect(rows.map((r) => r.name)).toEqual(['late-a', 'late-c']);
    // The refused item's workflow was started before Postgres refused its row: it is stopped, not left retrying.
    const created = [res.body.targets[0].id, res.body.targets[2].id];
    await eventually(async () => {
      const ids = await running();
      expect(ids).toEqual(expect.arrayContaining([holder.body.id, ...created].map(targetWorkflowId)));
      const { rows: all } = await stack.db.pool.query<{ id: string }>('SELECT id FROM targets');
      expect(ids).toEqual(all.map((r) => targetWorkflowId(r.id)).sort());
    });
  });
});

/** Admission control decides for the whole batch, before anything is started. Here the backlog is real: no worker runs. */
describe('admitting a bulk create', () => {
  const stack = useStack({ temporal: 'local', api: { admissionMaxBacklogSeconds: 1 } });

  it('is refused whole with 503 and Retry-After while tasks wait for a worker, and nothing of it is created', async () => {
    const target = (name: string) => ({ name, url: 'http://127.0.0.1:9/', intervalSeconds: 3600 });
    expect((await stack.api.request().post('/v1/targets').send(target('first')).expect(201)).body.name).toBe('first');
    // Nobody polls: the first target's workflow task ages in the backlog past the 1 s allowed.
    await untilBacklogAged(stack.temporal, 2);

    const refused = await stack.api
      .request()
      .post('/v1/targets/bulk')
      .send({ targets: [target('second'), target('third')] });
    expect(refused.status).toBe(503);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ type: 'https://vigil.dev/problems/temporal-busy', status: 503 });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(2);
    expect((await stack.db.pool.query<{ name: string }>('SELECT name FROM targets')).rows).toEqual([{ name: 'first' }]);
    expect((await stack.temporal.client.workflow.count('WorkflowType = "targetWorkflow"')).count).toBe(1);
  });
});
