import { useStack } from '../support/stack';

/** A target's escalation policy must exist: otherwise its incidents would page nobody. */
describe('a target naming an escalation policy', () => {
  const stack = useStack({ temporal: 'local', worker: true, api: true, site: true });

  const api = () => stack.api.request();
  const target = { name: 'shop', url: 'https://example.com', intervalSeconds: 60 };
  const unknown = 'esc_01M8B7Z5CFY505SXTDD14RPC6R';

  it('is refused with 422 naming escalationPolicyId when the policy does not exist, and nothing is created', async () => {
    const res = await api()
      .post('/v1/targets')
      .send({ ...target, escalationPolicyId: unknown })
      .expect(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors).toEqual([{ field: 'escalationPolicyId', message: `no escalation policy ${unknown}` }]);
    expect((await stack.db.pool.query('SELECT count(*)::int AS n FROM targets')).rows[0].n).toBe(0);
    expect((await stack.temporal.client.workflow.count()).count).toBe(0);
  });

  it('cannot be changed to a policy that does not exist; the configuration in force stays', async () => {
    const { id } = (await api().post('/v1/targets').send(target).expect(201)).body;
    await api().patch(`/v1/targets/${id}`).send({ escalationPolicyId: unknown }).expect(422);
    const after = (await api().get(`/v1/targets/${id}`).expect(200)).body;
    expect(after.version).toBe(1);
    expect(after.escalationPolicyId).toBeNull();
  });
});
