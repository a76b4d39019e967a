import { startTargetWorkflow } from '../../src/api/targets/workflow';
import { HttpProbeSchema, ProbeSchema } from '../../src/domain/probe';
import { TargetSpecSchema } from '../../src/domain/target';
import { targetWorkflowId } from '../../src/ids';
import { startDnsServer } from '../activities/probes/dns-server';
import { eventually } from '../support/eventually';
import { slotGridViolations } from '../support/faults';
import { useStack } from '../support/stack';

describe('targets through the API, end to end (real Temporal, real Postgres, a local target)', () => {
  const stack = useStack({ temporal: 'local', worker: true, api: true, site: true });

  const getTarget = async (id: string) => (await stack.api.request().get(`/v1/targets/${id}`).expect(200)).body;

  it('shows a target up while it answers, down once it fails, with exactly one result row per scheduled probe', async () => {
    const created = await stack.api
      .request()
      .post('/v1/targets')
      .send({ name: 'shop', url: `${stack.site.url}/health`, intervalSeconds: 1, downAfter: 2, upAfter: 1 })
      .expect(201);
    const id: string = created.body.id;
    expect(created.headers.location).toBe(`/v1/targets/${id}`);
    expect(created.body).toMatchObject({ name: 'shop', url: `${stack.site.url}/health`, intervalSeconds: 1, status: { state: 'unknown' } });

    const up = await eventually(async () => {
      const t = await getTarget(id);
      expect(t.status.state).toBe('up');
      return t;
    });
    expect(up.status.lastCheckedAt).not.toBeNull();
    expect(typeof up.status.lastLatencyMs).toBe('number');

    stack.site.behave({ status: 503 });
    const down = await eventually(async () => {
      const t = await getTarget(id);
      expect(t.status.state).toBe('down');
      return t;
    });
    expect(down.status.lastError).toBe('status 503, expected 200-299');
    expect(down.status.consecutiveFailures).toBeGreaterThanOrEqual(2);

    stack.site.behave({ status: 200 });
    await eventually(async () => expect((await getTarget(id)).status.state).toBe('up'));

    const flips = await stack.db.pool.query('SELECT from_state, to_state FROM flips WHERE target_id = $1 ORDER BY at', [id]);
    expect(flips.rows).toEqual([
      { from_state: 'unknown', to_state: 'up' },
      { from_state: 'up', to_state: 'down' },
      { from_state: 'down', to_state: 'up' },
    ]);

    // One row per slot: the first probe at once, then consecutive slots of the grid one interval apart, none twice.
    const { rows } = await stack.db.pool.query('SELECT 1 FROM check_results WHERE target_id = $1', [id]);
    expect(rows.length).toBeGreaterThanOrEqual(4); // up after 1, down after 2, up after 1
    expect(await slotGridViolations(stack.db.pool, [id], 1000)).toEqual([]);
  });

  describe('refuses invalid targets with a problem naming the field, and stores and starts nothing', () => {
    const valid = { name: 'api', url: 'https://example.com/health', intervalSeconds: 60 };
    const cases: [string, Record<string, unknown>, string][] = [
      ['a missing url', { name: 'api', intervalSeconds: 60 }, 'url'],
      ['a malformed url', { ...valid, url: 'not a url' }, 'url'],
      ['a url that is not http(s)', { ...valid, url: 'ftp://example.com' }, 'url'],
      ['an interval below the minimum', { ...valid, intervalSeconds: 0 }, 'intervalSeconds'],
      ['an interval above a day', { ...valid, intervalSeconds: 86_401 }, 'intervalSeconds'],
      ['a fractional interval', { ...valid, intervalSeconds: 1.5 }, 'intervalSeconds'],
      ['an unknown field', { ...valid, colour: 'red' }, 'colour'],
      ['an empty name', { ...valid, name: '' }, 'name'],
      ['a name of the wrong type', { ...valid, name: 42 }, 'name'],
      ['an unknown kind', { ...valid, kind: 'smtp' }, 'kind'],
      ['a tcp target without a port', { name: 'db', kind: 'tcp', host: 'db.example.com', intervalSeconds: 60 }, 'port'],
      ['a tcp port out of range', { name: 'db', kind: 'tcp', host: 'db.example.com', port: 65_536, intervalSeconds: 60 }, 'port'],
      ['a tcp host with a port in it', { name: 'db', kind: 'tcp', host: 'db.example.com:5432', port: 5432, intervalSeconds: 60 }, 'host'],
      [
        'a tcp target with an http field',
        { name: 'db', kind: 'tcp', host: 'db.example.com', port: 5432, url: 'https://example.com', intervalSeconds: 60 },
        'url',
      ],
      ['a dns target without a query', { name: 'mx', kind: 'dns', recordType: 'MX', intervalSeconds: 60 }, 'query'],
      ['a dns query that is not a name', { name: 'mx', kind: 'dns', query: 'https://example.com', intervalSeconds: 60 }, 'query'],
      ['a dns record type it cannot check', { name: 'mx', kind: 'dns', query: 'example.com', recordType: 'SRV', intervalSeconds: 60 }, 'recordType'],
      [
        'a dns expectation that no record of the type can be',
        { name: 'mx', kind: 'dns', query: 'example.com', recordType: 'A', expect: 'mail.example.com', intervalSeconds: 60 },
        'expect',
      ],
      ['a body pattern RE2 cannot match in linear time (a lookahead)', { ...valid, bodyMatches: 'ok(?=!)' }, 'bodyMatches'],
      ['a dns resolver that is not an address', { name: 'mx', kind: 'dns', query: 'example.com', resolver: 'dns.google', intervalSeconds: 60 }, 'resolver'],
    ];

    it.each(cases)('%s', async (_what, body, field) => {
      const res = await stack.api.request().post('/v1/targets').send(body).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ type: 'https://vigil.dev/problems/invalid-request', status: 400 });
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('a body that is not JSON', async () => {
      const res = await stack.api.request().post('/v1/targets').set('content-type', 'application/json').send('{"name":').expect(400);
      expect(res.body.type).toBe('https://vigil.dev/problems/malformed-json');
    });

    it('a body that is not declared as JSON', async () => {
      const res = await stack.api.request().post('/v1/targets').set('content-type', 'text/plain').send('name=api').expect(415);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('and none of them left a row in Postgres or a workflow in Temporal', async () => {
      // Only the target of the end-to-end test above exists.
      const { rows } = await stack.db.pool.query("SELECT count(*)::int AS n FROM targets WHERE name <> 'shop'");
      expect(rows[0].n).toBe(0);
      const running = await stack.temporal.client.workflow.count('WorkflowType = "targetWorkflow"');
      expect(running.count).toBe(1);
    });
  });

  it('answers 404 with a problem for a target that does not exist', async () => {
    const res = await stack.api.request().get('/v1/targets/tgt_01M8B7Z5CFY505SXTDD14RPC6R').expect(404);
    expect(res.body).toMatchObject({ type: 'https://vigil.dev/problems/not-found', status: 404 });
    await stack.api.request().get('/v1/targets/not-an-id').expect(404);
  });

  it('starting the same target twice runs one workflow', async () => {
    const spec = TargetSpecSchema.parse({ name: 'twice', intervalSeconds: 3600, probe: { kind: 'http', url: stack.site.url } });
    const first = await startTargetWorkflow(stack.temporal.client, 'tgt_TWICE0000000000000000000000', spec);
    const second = await startTargetWorkflow(stack.temporal.client, 'tgt_TWICE0000000000000000000000', spec);
    expect(second.firstExecutionRunId).toBe(first.firstExecutionRunId);
    expect(first.workflowId).toBe(targetWorkflowId('tgt_TWICE0000000000000000000000'));
    await first.terminate('test done');
  });

  describe('targets of other kinds: tcp and dns', () => {
    it('watches a TCP port, and shows the target in the shape it was written', async () => {
      const port = Number(new URL(stack.site.url).port);
      const created = await stack.api
        .request()
        .post('/v1/targets')
        .send({ name: 'port', kind: 'tcp', host: '127.0.0.1', port, intervalSeconds: 1 })
        .expect(201);
      expect(created.body).toMatchObject({ name: 'port', kind: 'tcp', host: '127.0.0.1', port, timeoutMs: 10_000, intervalSeconds: 1 });
      expect(created.body).not.toHaveProperty('url');
      await eventually(async () => expect((await getTarget(created.body.id)).status.state).toBe('up'));
    });

    it('watches a DNS record through a configured resolver, its query beside the target name', async () => {
      const dns = await startDnsServer({ 'shop.test': { MX: [{ priority: 10, exchange: 'mx.shop.test' }] } });
      try {
        const created = await stack.api
          .request()
          .post('/v1/targets')
          .send({ name: 'mail', kind: 'dns', query: 'shop.test', recordType: 'MX', resolver: dns.address, expect: 'mx.shop.test', intervalSeconds: 1 })
          .expect(201);
        expect(created.body).toMatchObject({ name: 'mail', kind: 'dns', query: 'shop.test', recordType: 'MX', resolver: dns.address, expect: 'mx.shop.test' });
        await eventually(async () => expect((await getTarget(created.body.id)).status.state).toBe('up'));
        expect(dns.queries).toContain('shop.test MX');
      } finally {
        await dns.close();
      }
    });

    it("no probe of any kind has a field named like one of the target's own, so the flat shape stays unambiguous", async () => {
      const created = await stack.api.request().post('/v1/targets').send({ name: 'fields', url: stack.site.url, intervalSeconds: 3600 }).expect(201);
      const targetFields = Object.keys(created.body).filter((key) => !(key in HttpProbeSchema.shape));
      const probeFields = ProbeSchema.options.flatMap((schema) => Object.keys(schema.shape));
      expect(targetFields).toEqual(expect.arrayContaining(['id', 'name', 'intervalSeconds', 'status']));
      expect(probeFields.filter((field) => field !== 'kind' && targetFields.includes(field))).toEqual([]);
    });
  });
});
