import { startVendorFake, TELEGRAM_TOKEN, type VendorFake } from '../support/vendor-fakes';
import { verifyWebhook } from '../support/webhook-receiver';
import { useStack } from '../support/stack';

/** POST /v1/channels/:id/test: a test message sent now, through a worker, answered with how it went. */
describe('sending a test notification', () => {
  const stack = useStack({ temporal: 'local', worker: true, api: true, webhooks: true });
  let fake: VendorFake;
  beforeAll(async () => {
    fake = await startVendorFake();
    stack.onStop(() => fake.close());
  });
  const create = async (body: Record<string, unknown>) => (await stack.api.request().post('/v1/channels').send(body).expect(201)).body;

  it('delivers a signed test message to a webhook and answers delivered', async () => {
    const hook = await create({ kind: 'webhook', name: 'ops hook', url: `${stack.webhooks.url}/tested` });
    const res = await stack.api.request().post(`/v1/channels/${hook.id}/test`).expect(200);
    expect(res.body).toEqual({ delivered: true });
    const [request] = stack.webhooks.requests.filter((r) => r.path === '/tested');
    expect(verifyWebhook(request!, hook.signingSecret)).toBe(true);
    const body = JSON.parse(request!.body);
    expect(body.type).toBe('incident.test');
    expect(body.data.incident).toMatchObject({ targetName: 'ops hook', reason: 'a test notification, asked for by test admin' });
  });

  it('leaves no test incident open in PagerDuty: the test trigger is resolved at once', async () => {
    const pd = await create({ kind: 'pagerduty', name: 'pd', routingKey: 'b'.repeat(32), baseUrl: fake.url });
    expect((await stack.api.request().post(`/v1/channels/${pd.id}/test`).expect(200)).body).toEqual({ delivered: true });
    const events = fake.accepted('pagerduty').map((r) => JSON.parse(r.body));
    expect(events.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(fake.pagerDutyIncidents.get(events[0].dedup_key)?.status).toBe('resolved');
  });

  it("answers the vendor's refusal, once, without retrying", async () => {
    const telegram = await create({
      kind: 'telegram',
      name: 'tg',
      botToken: `${TELEGRAM_TOKEN.split(':')[0]}:${'x'.repeat(35)}`,
      chatId: '42',
      baseUrl: fake.url,
    });
    const res = await stack.api.request().post(`/v1/channels/${telegram.id}/test`).expect(200);
    expect(res.body).toEqual({ delivered: false, error: expect.stringMatching(/answered HTTP 401: .*Unauthorized/) });
    expect(fake.requests.filter((r) => r.vendor === 'telegram')).toHaveLength(1);
  });

  it('is for admins alone, and 404 for a channel that does not exist', async () => {
    const hook = await create({ kind: 'slack', name: 'chat', url: `${stack.webhooks.url}/slack-test` });
    await stack.api
      .request(await stack.api.createKey('responder'))
      .post(`/v1/channels/${hook.id}/test`)
      .expect(403);
    const missing = await stack.api.request().post('/v1/channels/chn_01M8B7Z5CFY505SXTDD14RPC6R/test').expect(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
