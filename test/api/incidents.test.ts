import request from 'supertest';
import { eventually } from '../support/eventually';
import { useStack } from '../support/stack';
import { downTarget as downTargetThroughApi } from '../support/incidents';

/** Incidents through the API: opened by a real target going down, read by viewers, acted on by responders. */
describe('incidents through the API', () => {
  const stack = useStack({ temporal: 'local', worker: true, api: true, site: true, webhooks: true });
  let viewer: string;
  let responder: string;
  let policyId: string;

  beforeAll(async () => {
    [viewer, responder] = await Promise.all([stack.api.createKey('viewer'), stack.api.createKey('responder')]);
    const api = stack.api.request();
    const l1 = (
      await api
        .post('/v1/channels')
        .send({ kind: 'webhook', name: 'level 1', url: `${stack.webhooks.url}/l1` })
        .expect(201)
    ).body;
    const l2 = (
      await api
        .post('/v1/channels')
        .send({ kind: 'slack', name: 'level 2', url: `${stack.webhooks.url}/l2` })
        .expect(201)
    ).body;
    const policy = await api
      .post('/v1/escalation-policies')
      .send({
        name: 'shop on-call',
        levels: [
          { timeoutSeconds: 3600, channelIds: [l1.id] },
          { timeoutSeconds: 3600, channelIds: [l2.id] },
        ],
      })
      .expect(201);
    policyId = policy.body.id;
  });

  const as = (key?: string) => stack.api.request(key);

  /** A target that goes down at once and opens an incident; answers its id and the incident's. */
  const downTarget = (fields: Record<string, unknown> = {}) =>
    downTargetThroughApi(stack, { upAfter: 1, escalationPolicyId: policyId, ...fields }, { check: responder, read: viewer });

  it('shows the incident settings on the target, and refuses malformed ones naming the field', async () => {
    const created = await as()
      .post('/v1/targets')
      .send({ name: 'settings', url: stack.site.url, intervalSeconds: 3600, escalationPolicyId: policyId, autoResolve: false })
      .expect(201);
    expect(created.body).toMatchObject({ escalationPolicyId: policyId, autoResolve: false, reopenWindowSeconds: 900 });
    for (const [fields, field] of [
      [{ escalationPolicyId: 'on-call' }, 'escalationPolicyId'],
      [{ autoResolve: 'yes' }, 'autoResolve'],
      [{ reopenWindowSeconds: -1 }, 'reopenWindowSeconds'],
    ] as const) {
      const res = await as()
        .post('/v1/targets')
        .send({ name: 'bad', url: stack.site.url, intervalSeconds: 3600, ...fields })
        .expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    await as().delete(`/v1/targets/${created.body.id}`).expect(204);
  });

  it('lists and shows an incident a target opened, with its timeline, its deliveries and its escalation', async () => {
    const { targetId, incident } = await downTarget();
    expect(incident).toMatchObject({
      id: expect.stringMatching(/^inc_/),
      targetId,
      targetName: 'shop',
      state: 'triggered',
      reason: '1 consecutive failed probe',
      escalation: { policyId, policyName: 'shop on-call', policyVersion: 1, level: 1, round: 1, levels: 2, repeat: 0 },
      acknowledged: null,
      resolved: null,
    });
    const shown = await eventually(async () => {
      const { body } = await as(viewer).get(`/v1/incidents/${incident.id}`).expect(200);
      expect(body.deliveries).toMatchObject([
        { channel: { name: 'level 1', kind: 'webhook' }, kind: 'triggered', status: 'delivered', attempts: 1, lastError: null },
      ]);
      return body;
    });
    expect(shown.timeline.map((e: { kind: string }) => e.kind)).toEqual(['opened', 'notified']);
    expect(shown.timeline[1]).toMatchObject({ actor: { id: 'vigil', name: 'Vigil' }, message: 'notified level 1 of shop on-call: level 1' });
    expect(stack.webhooks.accepted('/l1').map((n) => n.key)).toEqual([shown.deliveries[0].id]);
    await as().delete(`/v1/targets/${targetId}`).expect(204);
  });

  it('records who acknowledged, noted, escalated and resolved, and a repeated action changes nothing', async () => {
    const { targetId, incident } = await downTarget();
    // The responder acts on the page: an incident acknowledged before level 1 was notified would never page it.
    await eventually(async () => {
      const { body } = await as(viewer).get(`/v1/incidents/${incident.id}`).expect(200);
      expect(body.timeline.map((e: { kind: string }) => e.kind)).toEqual(['opened', 'notified']);
    });
    const acked = await as(responder).post(`/v1/incidents/${incident.id}/acknowledge`).expect(200);
    expect(acked.body).toMatchObject({ state: 'acknowledged', acknowledged: { by: { name: 'test responder' } } });
    await as().post(`/v1/incidents/${incident.id}/acknowledge`).expect(200);

    const note = () =>
      as(responder).post(`/v1/incidents/${incident.id}/notes`).set('Idempotency-Key', 'note-1').send({ text: 'database failover in progress' });
    await note().expect(200);
    expect((await note().expect(200)).headers['idempotent-replayed']).toBe('true');

    const escalated = await as(responder).post(`/v1/incidents/${incident.id}/escalate`).expect(200);
    expect(escalated.body).toMatchObject({ state: 'triggered', acknowledged: null, escalation: { level: 2 } });
    await eventually(() => expect(stack.webhooks.accepted('/l2').some((n) => (n.body.text as string).includes(incident.id))).toBe(true));

    const resolved = await as(responder).post(`/v1/incidents/${incident.id}/resolve`).send({ note: 'failed over to the replica' }).expect(200);
    expect(resolved.body).toMatchObject({ state: 'resolved', resolved: { by: { name: 'test responder' } } });
    await as().post(`/v1/incidents/${incident.id}/resolve`).expect(200);
    await eventually(async () => {
      const { body } = await as(viewer).get(`/v1/incidents/${incident.id}`).expect(200);
      expect(body.timeline.map((e: { kind: string; actor: { name: string } }) => `${e.kind} by ${e.actor.name}`)).toEqual([
        'opened by Vigil',
        'notified by Vigil',
        'acknowledged by test responder',
        'note by test responder',
        'escalated by test responder',
        'notified by Vigil',
        'resolved by test responder',
      ]);
    });
    await as().delete(`/v1/targets/${targetId}`).expect(204);
  });

  it('resolves by itself when the target recovers, and filters the list by state and target, page by page', async () => {
    const { targetId, incident } = await downTarget();
    stack.site.behave({ status: 200 });
    await as(responder).post(`/v1/targets/${targetId}/check`).expect(200);
    await eventually(async () =>
      expect((await as().get(`/v1/incidents/${incident.id}`)).body).toMatchObject({ state: 'resolved', resolved: { by: { id: 'vigil' } } }),
    );

    const resolved = (await as(viewer).get(`/v1/incidents?state=resolved&target=${targetId}`).expect(200)).body.data;
    expect(resolved.map((i: { id: string }) => i.id)).toEqual([incident.id]);
    expect((await as(viewer).get(`/v1/incidents?state=open&target=${targetId}`).expect(200)).body.data).toEqual([]);

    const first = await as(viewer).get('/v1/incidents?limit=1').expect(200);
    expect(first.body.data).toHaveLength(1);
    expect(first.headers.link).toMatch(/rel="next"/);
    const second = await as(viewer).get(`/v1/incidents?limit=1&cursor=${first.body.nextCursor}`).expect(200);
    expect(second.body.data).toHaveLength(1);
    expect(second.body.data[0].id).not.toBe(first.body.data[0].id);
    expect(Date.parse(second.body.data[0].openedAt)).toBeLessThanOrEqual(Date.parse(first.body.data[0].openedAt));
    await as().delete(`/v1/targets/${targetId}`).expect(204);
  });

  it('refuses bad input and impossible actions with problems, and lets viewers read but not act', async () => {
    const { targetId, incident } = await downTarget();
    const path = `/v1/incidents/${incident.id}`;
    const field = async (req: request.Test, status: number) => {
      const res = await req.expect(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      return (res.body.errors ?? []).map((e: { field: string }) => e.field);
    };
    expect(await field(as(responder).post(`${path}/snooze`).send({ durationSeconds: 5 }), 400)).toEqual(['durationSeconds']);
    expect(await field(as(responder).post(`${path}/snooze`).send({}), 400)).toEqual(['durationSeconds']);
    expect(await field(as(responder).post(`${path}/reassign`).send({}), 400)).toEqual(['(root)']);
    expect(await field(as(responder).post(`${path}/reassign`).send({ escalationPolicyId: 'esc_01M8B7Z5CFY505SXTDD14RPC6R' }), 422)).toEqual([
      'escalationPolicyId',
    ]);
    expect(await field(as(responder).post(`${path}/notes`).send({ text: '' }), 400)).toEqual(['text']);
    expect(await field(as(responder).post(`${path}/acknowledge`).send({ by: 'someone else' }), 400)).toEqual(['by']);
    expect(await field(as(viewer).get('/v1/incidents?state=sleeping'), 400)).toEqual(['state']);
    expect(await field(as(viewer).get('/v1/incidents?cursor=bogus'), 400)).toEqual(['cursor']);
    await as(viewer).post(`${path}/acknowledge`).expect(403);
    await as(responder).post('/v1/incidents/inc_01M8B7Z5CFY505SXTDD14RPC6R_1/acknowledge').expect(404);
    await as(viewer).get('/v1/incidents/nonsense').expect(404);
    await request(stack.api.url).get(path).expect(401);

    await as(responder).post(`${path}/snooze`).send({ durationSeconds: 600 }).expect(200);
    await as(responder).post(`${path}/resolve`).expect(200);
    const refused = await as(responder).post(`${path}/escalate`).expect(409);
    expect(refused.body.detail).toBe('the incident is resolved');
    await as(responder).post(`${path}/notes`).send({ text: 'post-mortem on Monday' }).expect(200);
    const timeline = (await as(viewer).get(path).expect(200)).body.timeline.map((e: { kind: string }) => e.kind);
    expect(timeline).toEqual(['opened', 'notified', 'snoozed', 'resolved', 'note']);
    await as().delete(`/v1/targets/${targetId}`).expect(204);
  });
});
