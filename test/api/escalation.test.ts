import { upsertTarget } from '../../src/db/targets';
import { TargetSpecSchema } from '../../src/domain/target';
import { useStack } from '../support/stack';
import { testSecrets } from '../support/codec';

/** Notification channels and escalation policies through the API: admins manage them, bad input changes nothing. */
describe('channels and escalation policies', () => {
  // Channels and policies live in Postgres alone: no Temporal needed.
  const stack = useStack({ api: true });
  let viewer: string;
  let responder: string;

  beforeAll(async () => {
    [viewer, responder] = await Promise.all([stack.api.createKey('viewer'), stack.api.createKey('responder')]);
  });

  const fields = (res: { body: { errors?: { field: string }[] } }) => (res.body.errors ?? []).map((e) => e.field);
  const count = async (table: string) => Number((await stack.db.pool.query(`SELECT count(*) FROM ${table}`)).rows[0].count);
  const webhook = async (name = 'ops webhook') =>
    (await stack.api.request().post('/v1/channels').send({ kind: 'webhook', name, url: 'https://hooks.example.com/vigil' }).expect(201)).body;

  describe('channels', () => {
    it('creates a webhook with a signing secret shown once, then only hinted at', async () => {
      const created = await webhook();
      expect(created).toMatchObject({ id: expect.stringMatching(/^chn_/), kind: 'webhook', url: 'https://hooks.example.com/vigil' });
      expect(created.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      const read = await stack.api.request().get(`/v1/channels/${created.id}`).expect(200);
      expect(read.body).not.toHaveProperty('signingSecret');
      expect(read.body.signingSecretHint).toBe(`…${created.signingSecret.slice(-4)}`);
    });

    it('creates Slack and e-mail channels, and replaces one, a webhook keeping its secret unless given a new one', async () => {
      await stack.api.request().post('/v1/channels').send({ kind: 'slack', name: 'chat', url: 'https://hooks.slack.com/services/T/B/X' }).expect(201);
      const email = await stack.api
        .request()
        .post('/v1/channels')
        .send({ kind: 'email', name: 'on-call', addresses: ['oncall@example.com'] })
        .expect(201);
      expect(email.body).toMatchObject({ kind: 'email', addresses: ['oncall@example.com'] });

      const hook = await webhook('to change');
      const kept = await stack.api
        .request()
        .put(`/v1/channels/${hook.id}`)
        .send({ kind: 'webhook', name: 'changed', url: 'https://hooks.example.com/v2' })
        .expect(200);
      expect(kept.body).toMatchObject({ name: 'changed', url: 'https://hooks.example.com/v2', signingSecretHint: `…${hook.signingSecret.slice(-4)}` });
      expect(kept.body).not.toHaveProperty('signingSecret');
      const secret = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
      const rotated = await stack.api
        .request()
        .put(`/v1/channels/${hook.id}`)
        .send({ kind: 'webhook', name: 'changed', url: 'https://hooks.example.com/v2', signingSecret: secret })
        .expect(200);
      expect(rotated.body.signingSecret).toBe(secret);
    });

    it('refuses bad input with a problem naming each field, and creates nothing', async () => {
      const before = await count('channels');
      for (const [body, expected] of [
        [{ kind: 'webhook', name: '', url: 'ftp://example.com' }, ['name', 'url']],
        [{ kind: 'webhook', name: 'x', url: 'https://example.com', signingSecret: 'hunter2' }, ['signingSecret']],
        [{ kind: 'email', name: 'x', addresses: ['not an address'] }, ['addresses.0']],
        [{ kind: 'email', name: 'x', addresses: [] }, ['addresses']],
        [{ kind: 'pager', name: 'x' }, ['kind']],
        [{ kind: 'slack', name: 'x', url: 'https://example.com', colour: 'red' }, ['colour']],
      ] as const) {
        const res = await stack.api.request().post('/v1/channels').send(body).expect(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(fields(res)).toEqual(expect.arrayContaining([...expected]));
      }
      expect(await count('channels')).toBe(before);
      await stack.api.request().get('/v1/channels/chn_01M8B7Z5CFY505SXTDD14RPC6R').expect(404);
      await stack.api.request().put('/v1/channels/nonsense').send({ kind: 'slack', name: 'x', url: 'https://example.com' }).expect(404);
    });

    it.each(
      (
        [
          [
            { kind: 'pagerduty', routingKey: 'R0'.repeat(16) },
            { severity: 'critical', routingKeyHint: '…R0R0' },
          ],
          [
            { kind: 'opsgenie', apiKey: '4b1c5a64-1f5a-4a8e-9a51-6c2f3c4d5e6f', baseUrl: 'https://api.eu.opsgenie.com' },
            { priority: 'P1', apiKeyHint: '…5e6f' },
          ],
          [
            { kind: 'teams', url: 'https://example.webhook.office.com/workflows/abc?sig=s3cr3t-signature' },
            { urlHint: 'https://example.webhook.office.com/…ture' },
          ],
          [{ kind: 'discord', url: 'https://discord.com/api/webhooks/1/discord-token' }, { urlHint: 'https://discord.com/…oken' }],
          [
            { kind: 'telegram', botToken: '123456:AAE-telegram-token-abcdefghijklmnopq', chatId: '@vigil_alerts' },
            { chatId: '@vigil_alerts', botTokenHint: '…nopq' },
          ],
          [
            { kind: 'ntfy', topic: 'vigil-ops', baseUrl: 'https://ntfy.example.com' },
            { topic: 'vigil-ops', baseUrl: 'https://ntfy.example.com' },
          ],
          [
            { kind: 'pushover', token: 'a'.repeat(30), user: 'u'.repeat(30) },
            { tokenHint: '…aaaa', userHint: '…uuuu' },
          ],
          [{ kind: 'mattermost', url: 'https://chat.example.com/hooks/mattermost-key' }, { urlHint: 'https://chat.example.com/…-key' }],
        ] as [{ kind: string } & Record<string, string>, Record<string, string>][]
      ).map(([settings, shown]) => [settings.kind, settings, shown] as const),
    )('creates a %s channel, its secrets shown in the answer alone', async (_kind, settings, shown) => {
      const created = await stack.api
        .request()
        .post('/v1/channels')
        .send({ name: `a ${settings.kind}`, ...settings })
        .expect(201);
      expect(created.body).toMatchObject({ ...settings, ...shown });
      const read = await stack.api.request().get(`/v1/channels/${created.body.id}`).expect(200);
      expect(read.body).toMatchObject(shown);
      for (const secret of ['url', 'routingKey', 'apiKey', 'botToken', 'token', 'user']) expect(read.body).not.toHaveProperty(secret);
    });

    it('refuses a vendor channel missing its key, naming the field, and stores nothing', async () => {
      const before = await count('channels');
      for (const [body, expected] of [
        [{ kind: 'pagerduty', name: 'x' }, ['routingKey']],
        [{ kind: 'pagerduty', name: 'x', routingKey: 'short' }, ['routingKey']],
        [{ kind: 'opsgenie', name: 'x', priority: 'P9' }, ['apiKey', 'priority']],
        [{ kind: 'telegram', name: 'x', chatId: '42' }, ['botToken']],
        [{ kind: 'pushover', name: 'x', token: 'a'.repeat(30) }, ['user']],
        [{ kind: 'ntfy', name: 'x', topic: 'has spaces', baseUrl: 'ftp://x' }, ['topic', 'baseUrl']],
        [{ kind: 'teams', name: 'x' }, ['url']],
      ] as const) {
        const res = await stack.api.request().post('/v1/channels').send(body).expect(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(fields(res)).toEqual(expect.arrayContaining([...expected]));
      }
      expect(await count('channels')).toBe(before);
    });

    it('pages newest first', async () => {
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await webhook(`page ${i}`)).id);
      const first = await stack.api.request().get('/v1/channels?limit=2').expect(200);
      expect(first.body.data.map((c: { id: string }) => c.id)).toEqual([ids[2], ids[1]]);
      const second = await stack.api.request().get(`/v1/channels?limit=2&cursor=${first.body.nextCursor}`).expect(200);
      expect(second.body.data[0].id).toBe(ids[0]);
    });

    it('is for admins alone: it holds URLs and secrets', async () => {
      await stack.api.request(viewer).get('/v1/channels').expect(403);
      await stack.api.request(responder).post('/v1/channels').send({ kind: 'slack', name: 'x', url: 'https://example.com' }).expect(403);
    });
  });

  describe('escalation policies', () => {
    const policyBody = (channelIds: string[][], extra: Record<string, unknown> = {}) => ({
      name: 'payments on-call',
      levels: channelIds.map((ids, i) => ({ timeoutSeconds: 300 * (i + 1), channelIds: ids })),
      ...extra,
    });

    it('creates a policy with ordered levels of channels, readable by viewers, and replaces it as a new version', async () => {
      const [a, b] = [await webhook('primary'), await webhook('secondary')];
      const created = await stack.api
        .request()
        .post('/v1/escalation-policies')
        .send(policyBody([[a.id], [b.id, a.id]], { repeat: 2 }))
        .expect(201);
      expect(created.headers.location).toBe(`/v1/escalation-policies/${created.body.id}`);
      expect(created.body).toMatchObject({
        id: expect.stringMatching(/^esc_/),
        name: 'payments on-call',
        repeat: 2,
        version: 1,
        levels: [
          { timeoutSeconds: 300, channels: [{ id: a.id, name: 'primary', kind: 'webhook' }] },
          {
            timeoutSeconds: 600,
            channels: [
              { id: b.id, name: 'secondary' },
              { id: a.id, name: 'primary' },
            ],
          },
        ],
      });
      const read = await stack.api.request(viewer).get(`/v1/escalation-policies/${created.body.id}`).expect(200);
      expect(read.body).toEqual(created.body);
      const replaced = await stack.api
        .request()
        .put(`/v1/escalation-policies/${created.body.id}`)
        .send(policyBody([[b.id]]))
        .expect(200);
      expect(replaced.body).toMatchObject({ version: 2, repeat: 0, levels: [{ channels: [{ id: b.id }] }] });
      expect(replaced.body.levels).toHaveLength(1);
      await stack.api
        .request(responder)
        .put(`/v1/escalation-policies/${created.body.id}`)
        .send(policyBody([[a.id]]))
        .expect(403);
    });

    it('refuses bad input with a problem naming each field, and an unknown channel with a 422 naming where it is', async () => {
      const a = await webhook('known');
      const before = await count('escalation_policies');
      for (const [body, expected] of [
        [policyBody([]), ['levels']],
        [{ ...policyBody([[a.id]]), levels: [{ timeoutSeconds: 5, channelIds: [a.id] }] }, ['levels.0.timeoutSeconds']],
        [policyBody([[a.id, a.id]]), ['levels.0.channelIds']],
        [policyBody([['not-a-channel']]), ['levels.0.channelIds.0']],
        [policyBody([[a.id]], { repeat: 100 }), ['repeat']],
        [{ levels: [{ timeoutSeconds: 300, channelIds: [a.id] }] }, ['name']],
      ] as const) {
        const res = await stack.api.request().post('/v1/escalation-policies').send(body).expect(400);
        expect(fields(res)).toEqual(expect.arrayContaining([...expected]));
      }
      const unknown = await stack.api
        .request()
        .post('/v1/escalation-policies')
        .send(policyBody([[a.id], [a.id, 'chn_01M8B7Z5CFY505SXTDD14RPC6R']]))
        .expect(422);
      expect(fields(unknown)).toEqual(['levels.1.channelIds.1']);
      expect(await count('escalation_policies')).toBe(before);
    });

    it('refuses to delete a channel a policy uses, or a policy a target names; deletes them once unused', async () => {
      const a = await webhook('in use');
      const policy = (
        await stack.api
          .request()
          .post('/v1/escalation-policies')
          .send(policyBody([[a.id]]))
          .expect(201)
      ).body;
      const inUse = await stack.api.request().delete(`/v1/channels/${a.id}`).expect(409);
      expect(inUse.body.detail).toContain(policy.id);

      const spec = TargetSpecSchema.parse({
        name: 'shop',
        intervalSeconds: 60,
        probe: { kind: 'http', url: 'https://example.com' },
        escalationPolicyId: policy.id,
      });
      await upsertTarget(stack.db.pool, testSecrets, { targetId: 'tgt_01M8B7Z5CFY505SXTDD14RPC6R', spec, version: 1, paused: false });
      const named = await stack.api.request().delete(`/v1/escalation-policies/${policy.id}`).expect(409);
      expect(named.body.detail).toContain('tgt_01M8B7Z5CFY505SXTDD14RPC6R');

      await upsertTarget(stack.db.pool, testSecrets, {
        targetId: 'tgt_01M8B7Z5CFY505SXTDD14RPC6R',
        spec: { ...spec, escalationPolicyId: null },
        version: 2,
        paused: false,
      });
      await stack.api.request().delete(`/v1/escalation-policies/${policy.id}`).expect(204);
      await stack.api.request().get(`/v1/escalation-policies/${policy.id}`).expect(404);
      await stack.api.request().delete(`/v1/channels/${a.id}`).expect(204);
      await stack.api.request().delete(`/v1/channels/${a.id}`).expect(404);
    });
  });
});
