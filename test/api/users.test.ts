import { useStack } from '../support/stack';

const ann = {
  name: 'Ann Example',
  email: 'Ann@Example.com',
  timeZone: 'Europe/Berlin',
  contactMethods: [
    { name: 'work mail', kind: 'email', address: 'ann@example.com' },
    { name: 'slack', kind: 'slack', url: 'https://hooks.slack.com/services/T0/B0/x', slackUserId: 'U024BE7LH' },
    { name: 'pager', kind: 'webhook', url: 'https://pager.example.com/ann' },
  ],
  notificationRules: [
    { contactMethod: 'work mail', afterMinutes: 0 },
    { contactMethod: 'pager', afterMinutes: 5 },
  ],
};

describe('users', () => {
  const stack = useStack({ api: true });
  const countUsers = async () => (await stack.db.pool.query('SELECT count(*)::int AS n FROM users')).rows[0].n as number;

  it('creates, reads, changes and deletes a user with contact methods and notification rules', async () => {
    const created = await stack.api.request().post('/v1/users').send(ann).expect(201);
    const id: string = created.body.id;
    expect(id).toMatch(/^usr_/);
    expect(created.headers.location).toBe(`/v1/users/${id}`);
    expect(created.body).toMatchObject({ ...ann, email: 'ann@example.com' });
    expect((await stack.api.request().get(`/v1/users/${id}`).expect(200)).body).toEqual(created.body);
    expect((await stack.api.request().get('/v1/users').expect(200)).body.data.map((u: { id: string }) => u.id)).toContain(id);

    const changed = await stack.api
      .request()
      .patch(`/v1/users/${id}`)
      .send({ timeZone: 'America/New_York', notificationRules: [{ contactMethod: 'slack', afterMinutes: 0 }] })
      .expect(200);
    expect(changed.body).toMatchObject({ name: 'Ann Example', timeZone: 'America/New_York', notificationRules: [{ contactMethod: 'slack', afterMinutes: 0 }] });
    expect(changed.body.contactMethods).toHaveLength(3);

    await stack.api.request().delete(`/v1/users/${id}`).expect(204);
    await stack.api.request().get(`/v1/users/${id}`).expect(404);
  });

  it.each([
    ['an unknown time zone', { ...ann, timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
    ['a malformed e-mail address', { ...ann, email: 'ann-at-example' }, 'email'],
    [
      'a rule naming no contact method of the user',
      { ...ann, notificationRules: [{ contactMethod: 'phone', afterMinutes: 0 }] },
      'notificationRules.0.contactMethod',
    ],
    [
      'two contact methods with one name',
      { ...ann, contactMethods: [ann.contactMethods[0], { ...ann.contactMethods[2], name: 'work mail' }], notificationRules: [] },
      'contactMethods.1.name',
    ],
    [
      'a Slack contact without a webhook URL',
      { ...ann, contactMethods: [{ name: 's', kind: 'slack', url: 'not a url' }], notificationRules: [] },
      'contactMethods.0.url',
    ],
    ['a negative delay', { ...ann, notificationRules: [{ contactMethod: 'pager', afterMinutes: -1 }] }, 'notificationRules.0.afterMinutes'],
    ['an unknown field', { ...ann, phone: '+49' }, 'phone'],
  ])('refuses %s with a 400 naming the field, and stores nothing', async (_case, body, field) => {
    const before = await countUsers();
    const res = await stack.api
      .request()
      .post('/v1/users')
      .send(body)
      .expect(400)
      .expect('Content-Type', /application\/problem\+json/);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
    expect(await countUsers()).toBe(before);
  });

  it('refuses a change that leaves a notification rule naming a removed contact method, and keeps the user as it was', async () => {
    const { body: user } = await stack.api
      .request()
      .post('/v1/users')
      .send({ ...ann, email: 'keep@example.com' })
      .expect(201);
    const res = await stack.api
      .request()
      .patch(`/v1/users/${user.id}`)
      .send({ contactMethods: [ann.contactMethods[0]] })
      .expect(400);
    expect(res.body.errors).toEqual([{ field: 'notificationRules.1.contactMethod', message: 'no contact method named "pager"' }]);
    expect((await stack.api.request().get(`/v1/users/${user.id}`).expect(200)).body).toEqual(user);
  });

  it('refuses a second user with the same e-mail address, in any case, with 409', async () => {
    await stack.api
      .request()
      .post('/v1/users')
      .send({ ...ann, email: 'twice@example.com' })
      .expect(201);
    const res = await stack.api
      .request()
      .post('/v1/users')
      .send({ ...ann, email: 'TWICE@example.com' })
      .expect(409);
    expect(res.body.detail).toBe('another user has this e-mail address');
  });

  it('refuses to delete a user a rotation names, naming the rotation', async () => {
    const { body: user } = await stack.api
      .request()
      .post('/v1/users')
      .send({ ...ann, email: 'named@example.com' })
      .expect(201);
    const { body: rotation } = await stack.api
      .request()
      .post('/v1/rotations')
      .send({ name: 'r', timeZone: 'UTC', shiftLength: 1, shiftUnit: 'weeks', start: '2026-01-05T09:00:00Z', participants: [user.id] })
      .expect(201);
    const res = await stack.api.request().delete(`/v1/users/${user.id}`).expect(409);
    expect(res.body.detail).toContain(`rotation ${rotation.id}`);
    await stack.api.request().get(`/v1/users/${user.id}`).expect(200);
  });

  it('shows users and their contact methods to admins only', async () => {
    const viewer = await stack.api.createKey('viewer');
    const responder = await stack.api.createKey('responder');
    await stack.api.request(viewer).get('/v1/users').expect(403);
    await stack.api.request(responder).post('/v1/users').send(ann).expect(403);
  });
});
