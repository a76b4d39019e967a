import { targetWorkflowId } from '../../src/ids';
import { eventually } from '../support/eventually';
import { useStack } from '../support/stack';

/**
 * Input that Postgres, or a later step, would refuse is refused at the boundary: a 400 problem naming the field, and
 * nothing stored or started. NUL (U+0000) is valid JSON and a valid URL escape, but no text column takes it; the
 * writes a workflow would make with it would fail on every retry.
 */
describe('input that cannot be stored', () => {
  const stack = useStack({ temporal: 'local', worker: true, api: true, site: true });
  const api = () => stack.api.request();

  const NUL = 'nul\u0000name';
  const expectRefusal = (res: { status: number; headers: Record<string, string>; body: { errors?: { field: string; message: string }[] } }, field: string) => {
    expect(`${res.status} ${res.headers['content-type']}`).toMatch(/^400 application\/problem\+json/);
    expect(res.body.errors).toEqual([{ field, message: expect.stringContaining('NUL character (U+0000)') }]);
  };
  const count = async (table: string) => (await stack.db.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;

  describe('NUL in any string of a JSON body, or in a key, is a 400 naming the field', () => {
    const cases: [string, string, () => object, string][] = [
      ['a target name', '/v1/targets', () => ({ name: NUL, url: 'http://127.0.0.1:9/', intervalSeconds: 60 }), 'name'],
      ['a channel name', '/v1/channels', () => ({ kind: 'webhook', name: NUL, url: 'https://hooks.example.com/vigil' }), 'name'],
      ['a status page title', '/v1/status-pages', () => ({ slug: 'acme', title: NUL, targets: [] }), 'title'],
      ['an API key name', '/v1/api-keys', () => ({ name: NUL, role: 'viewer' }), 'name'],
      [
        'a string deep in the body',
        '/v1/targets',
        () => ({ name: 'api', url: 'http://127.0.0.1:9/', intervalSeconds: 60, headers: { 'x-a': `a${NUL}` } }),
        'headers.x-a',
      ],
      ['a key', '/v1/targets', () => ({ name: 'api', url: 'http://127.0.0.1:9/', intervalSeconds: 60, headers: { [NUL]: 'a' } }), `headers.${NUL}`],
      ['an incident note', '/v1/incidents/inc_tgt_01M8B7Z5CFY505SXTDD14RPC6R_1/notes', () => ({ text: 'n\u0000' }), 'text'],
    ];
    it.each(cases)('%s', async (_what, path, body, field) => {
      expectRefusal(await api().post(path).send(body()), field);
    });

    it('and none of them stored a row or started a workflow', async () => {
      expect({
        targets: await count('targets'),
        channels: await count('channels'),
        pages: await count('status_pages'),
        notes: await count('incident_events'),
      }).toEqual({
        targets: 0,
        channels: 0,
        pages: 0,
        notes: 0,
      });
      // The suite's own admin key only.
      expect(await count('api_keys')).toBe(1);
      expect((await stack.temporal.client.workflow.count('WorkflowType = "targetWorkflow"')).count).toBe(0);
    });
  });

  it('NUL in a query string or a path parameter is a 400 naming it, never a failed query', async () => {
    expectRefusal(await api().get('/v1/targets?tag=a%00b'), 'tag');
    expectRefusal(await api().get('/v1/targets/tgt_01M8B7Z5CFY505SXTDD14RPC6R%00/flips'), 'id');
    // A ping token reaches Postgres in a group commit shared with other pings.
    expectRefusal(await api().post('/v1/ping/token%00'), 'token');
  });

  it('a heartbeat target with a ping token another target has is a 409 naming it, and leaves no workflow running', async () => {
    const token = 'T'.repeat(43);
    const first = await api().post('/v1/targets').send({ name: 'backup', kind: 'heartbeat', intervalSeconds: 3600, token }).expect(201);
    const res = await api().post('/v1/targets').send({ name: 'copy', kind: 'heartbeat', intervalSeconds: 3600, token });
    expect(`${res.status} ${res.headers['content-type']}`).toMatch(/^409 application\/problem\+json/);
    expect(res.body.errors).toEqual([{ field: 'token', message: 'taken by another target' }]);
    expect((await stack.db.pool.query('SELECT id FROM targets')).rows).toEqual([{ id: first.body.id }]);
    // The second target's workflow was started before Postgres refused its row: it is stopped, not left retrying.
    await eventually(async () => {
      const running = await stack.temporal.client.workflow.list({ query: 'WorkflowType = "targetWorkflow" AND ExecutionStatus = "Running"' });
      const ids: string[] = [];
      for await (const w of running) ids.push(w.workflowId);
      expect(ids).toEqual([targetWorkflowId(first.body.id)]);
    });
    await api().delete(`/v1/targets/${first.body.id}`).expect(204);
  });

  it('a note Postgres refuses past the boundary (a rule only the database knows) is a 422 naming it, and the incident goes on', async () => {
    await stack.db.pool.query("ALTER TABLE incident_events ADD CONSTRAINT no_secret_notes CHECK (message NOT LIKE '%password%')");
    stack.site.behave({ status: 500 });
    const target = await api().post('/v1/targets').send({ name: 'shop', url: stack.site.url, intervalSeconds: 3600, downAfter: 1 }).expect(201);
    await api().post(`/v1/targets/${target.body.id}/check`).expect(200);
    const incident = await eventually(async () => {
      const { body } = await api().get(`/v1/incidents?target=${target.body.id}`).expect(200);
      expect(body.data).toHaveLength(1);
      return body.data[0];
    });
    const res = await api().post(`/v1/incidents/${incident.id}/notes`).set('Idempotency-Key', 'note-1').send({ text: 'the password is hunter2' });
    expect(`${res.status} ${res.headers['content-type']}`).toMatch(/^422 application\/problem\+json/);
    expect(res.body.errors).toEqual([{ field: 'text', message: expect.stringContaining('no_secret_notes') }]);
    await api().post(`/v1/incidents/${incident.id}/notes`).send({ text: 'rotated it' }).expect(200);
    const { body } = await api().get(`/v1/incidents/${incident.id}`).expect(200);
    expect(JSON.stringify(body)).not.toContain('hunter2');
    expect(JSON.stringify(body)).toContain('rotated it');
    await api().delete(`/v1/targets/${target.body.id}`).expect(204);
  });
});
