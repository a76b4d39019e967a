import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { incidentWorkflowId } from '../../src/ids';
import { testDataConverter } from '../support/codec';
import { eventually } from '../support/eventually';
import { useStack } from '../support/stack';
import { downTarget } from '../support/incidents';

/**
 * Escalation levels that page people: a level names users, schedules and rotations beside (or instead of) channels;
 * when it fires, whoever is on call then is paged through their own contact methods, and the incident names them.
 */
describe('escalation levels that page people', () => {
  const stack = useStack({ temporal: 'local', worker: true, api: true, site: true, webhooks: true });
  const as = (key?: string) => stack.api.request(key);
  const fields = (res: { body: { errors?: { field: string }[] } }) => (res.body.errors ?? []).map((e) => e.field);
  const count = async (table: string) => (await stack.db.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;
  let n = 0;

  const user = async (name: string, extra: Record<string, unknown> = {}) =>
    (
      await as()
        .post('/v1/users')
        .send({ name, email: `${name.toLowerCase().replace(/\W/g, '')}${++n}@example.com`, timeZone: 'Europe/Berlin', ...extra })
        .expect(201)
    ).body;
  const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  const schedule = async (name: string, userIds: string[]) =>
    (
      await as()
        .post('/v1/schedules')
        .send({ name, timeZone: 'Europe/Berlin', rules: userIds.map((userId) => ({ days: everyDay, start: '00:00', end: '00:00', userId })) })
        .expect(201)
    ).body;
  const rotation = async (name: string, participants: string[]) =>
    (
      await as()
        .post('/v1/rotations')
        .send({ name, timeZone: 'Europe/Berlin', shiftLength: 1, shiftUnit: 'weeks', start: '2026-01-05T08:00:00Z', participants })
        .expect(201)
    ).body;
  const policy = (levels: Record<string, unknown>[]) =>
    as()
      .post('/v1/escalation-policies')
      .send({ name: `people ${++n}`, levels });

  it('stores a level naming a user, a schedule and a rotation, and shows them by name', async () => {
    const ada = await user('Ada');
    const primary = await schedule('Primary', [ada.id]);
    const rota = await rotation('Rota', [ada.id]);
    const created = await policy([{ timeoutSeconds: 300, userIds: [ada.id], scheduleIds: [primary.id], rotationIds: [rota.id] }]).expect(201);
    expect(created.body.levels).toEqual([
      {
        timeoutSeconds: 300,
        channels: [],
        people: [
          { kind: 'user', id: ada.id, name: 'Ada' },
          { kind: 'schedule', id: primary.id, name: 'Primary' },
          { kind: 'rotation', id: rota.id, name: 'Rota' },
        ],
      },
    ]);
    expect((await as().get(`/v1/escalation-policies/${created.body.id}`).expect(200)).body).toEqual(created.body);
  });

  it('refuses a level naming nobody, or a missing user, schedule or rotation, naming the field, and stores nothing', async () => {
    const ada = await user('Ada');
    const before = [await count('escalation_policies'), await count('escalation_level_people')];
    const empty = await policy([{ timeoutSeconds: 300 }]).expect(400);
    expect(fields(empty)).toEqual(['levels.0.channelIds']);
    const twice = await policy([{ timeoutSeconds: 300, userIds: [ada.id, ada.id] }]).expect(400);
    expect(fields(twice)).toEqual(['levels.0.userIds']);
    const missing = await policy([
      { timeoutSeconds: 300, userIds: [ada.id, 'usr_01M8B7Z5CFY505SXTDD14RPC6R'] },
      { timeoutSeconds: 300, scheduleIds: ['sch_01M8B7Z5CFY505SXTDD14RPC6R'], rotationIds: ['rot_01M8B7Z5CFY505SXTDD14RPC6R'] },
    ])
      .expect(422)
      .expect('Content-Type', /application\/problem\+json/);
    expect(fields(missing)).toEqual(['levels.0.userIds.1', 'levels.1.scheduleIds.0', 'levels.1.rotationIds.0']);
    expect([await count('escalation_policies'), await count('escalation_level_people')]).toEqual(before);
  });

  it('refuses to delete a user, schedule or rotation a policy pages, naming the policy; deletes them once unused', async () => {
    const ada = await user('Ada');
    const primary = await schedule('Primary', []);
    const rota = await rotation('Rota', [ada.id]);
    const { body: p } = await policy([{ timeoutSeconds: 300, userIds: [ada.id], scheduleIds: [primary.id], rotationIds: [rota.id] }]).expect(201);
    for (const path of [`/v1/users/${ada.id}`, `/v1/schedules/${primary.id}`, `/v1/rotations/${rota.id}`]) {
      const refused = await as().delete(path).expect(409);
      expect(refused.body.detail).toContain(p.id);
    }
    await as().delete(`/v1/escalation-policies/${p.id}`).expect(204);
    for (const path of [`/v1/schedules/${primary.id}`, `/v1/rotations/${rota.id}`, `/v1/users/${ada.id}`]) await as().delete(path).expect(204);
  });

  it('pages the person on call for the schedule through their contact method, their own key acknowledges, and the timeline names them', async () => {
    const grace = await user('Grace Hopper', {
      contactMethods: [{ kind: 'webhook', name: 'pager', url: `${stack.webhooks.url}/grace` }],
      notificationRules: [{ contactMethod: 'pager', afterMinutes: 0 }],
    });
    const { body: key } = await as().post('/v1/api-keys').send({ name: "grace's phone", role: 'responder', userId: grace.id }).expect(201);
    const primary = await schedule('Primary', [grace.id]);
    const nobody = await schedule('Nights', []);
    const { body: p } = await policy([{ timeoutSeconds: 600, scheduleIds: [primary.id, nobody.id] }]).expect(201);

    const { targetId, incident } = await downTarget(stack, { name: 'checkout', escalationPolicyId: p.id });

    const [page] = await eventually(async () => {
      const accepted = stack.webhooks.accepted('/grace');
      expect(accepted).toHaveLength(1);
      return accepted;
    });
    expect(page!.body).toMatchObject({ type: 'incident.triggered', data: { incident: { id: incident.id, targetName: 'checkout', level: 1 } } });

    const acked = await as(key.key).post(`/v1/incidents/${incident.id}/acknowledge`).expect(200);
    expect(acked.body.acknowledged.by).toEqual({ id: grace.id, name: 'Grace Hopper' });

    // The delivery's outcome is recorded just after the receiver answers.
    const detail = await eventually(async () => {
      const { body } = await as().get(`/v1/incidents/${incident.id}`).expect(200);
      expect(body.deliveries).toEqual([
        expect.objectContaining({ status: 'delivered', channel: { id: grace.id, name: 'Grace Hopper: pager', kind: 'webhook' } }),
      ]);
      return body;
    });
    const event = (kind: string) => detail.timeline.find((e: { kind: string }) => e.kind === kind);
    expect(event('paged')).toMatchObject({ message: expect.stringContaining('Grace Hopper (on call for schedule Primary)') });
    expect(event('paged').data.people).toEqual([{ id: grace.id, name: 'Grace Hopper', via: { kind: 'schedule', id: primary.id, name: 'Primary' } }]);
    // The schedule with nobody on call is an event of its own, not a silent skip.
    expect(event('nobody_on_call')).toMatchObject({ message: expect.stringContaining('nobody is on call for schedule Nights') });
    expect(event('acknowledged').actor).toEqual({ id: grace.id, name: 'Grace Hopper' });

    // Who was on call is in the workflow's history, as the activity found it: a replay reads it, never computes it again.
    const history = await stack.temporal.client.workflow.getHandle(incidentWorkflowId(incident.id)).fetchHistory();
    const found = history.events!.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'findOnCall');
    expect(found).toBeDefined();
    const completed = history.events!.find((e) => e.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === found!.eventId!.toString());
    const [payload] = await testDataConverter.payloadCodecs![0]!.decode(completed!.activityTaskCompletedEventAttributes!.result!.payloads as Payload[]);
    const answer = defaultPayloadConverter.fromPayload(payload!);
    expect(answer).toEqual([
      { target: { kind: 'schedule', id: primary.id, name: 'Primary' }, people: [expect.objectContaining({ id: grace.id, name: 'Grace Hopper' })] },
      { target: { kind: 'schedule', id: nobody.id, name: 'Nights' }, people: [] },
    ]);

    await as().delete(`/v1/targets/${targetId}`).expect(204);
  });
});
