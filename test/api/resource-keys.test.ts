import { useStack } from '../support/stack';

/** The stable names configuration files give targets, channels and policies (`vigil apply` matches by them). */
describe('resource keys', () => {
  const stack = useStack({ temporal: 'local', worker: true, api: true, site: true });

  const count = async (path: string) => (await stack.api.request().get(path).expect(200)).body.data.length as number;

  describe('of targets', () => {
    it('is kept through a rename, shown, found by ?key=, and refused to a second target (409, nothing created)', async () => {
      const created = await stack.api
        .request()
        .post('/v1/targets')
        .send({ key: 'shop-home', name: 'shop', url: stack.site.url, intervalSeconds: 60 })
        .expect(201);
      expect(created.body.key).toBe('shop-home');
      const renamed = await stack.api.request().patch(`/v1/targets/${created.body.id}`).send({ name: 'the shop' }).expect(200);
      expect(renamed.body).toMatchObject({ key: 'shop-home', name: 'the shop' });

      const found = (await stack.api.request().get('/v1/targets?key=shop-home').expect(200)).body.data;
      expect(found.map((t: { id: string }) => t.id)).toEqual([created.body.id]);

      const before = await count('/v1/targets?limit=200');
      const taken = await stack.api
        .request()
        .post('/v1/targets')
        .send({ key: 'shop-home', name: 'another', url: stack.site.url, intervalSeconds: 60 })
        .expect(409);
      expect(taken.body.errors).toEqual([{ field: 'key', message: 'taken by another target' }]);
      expect(await count('/v1/targets?limit=200')).toBe(before);
    });

    it('shows null for a target made without one, and refuses to move one onto a key another target has', async () => {
      const plain = await stack.api.request().post('/v1/targets').send({ name: 'plain', url: stack.site.url, intervalSeconds: 60 }).expect(201);
      expect(plain.body.key).toBeNull();
      await stack.api.request().post('/v1/targets').send({ key: 'taken', name: 'holder', url: stack.site.url, intervalSeconds: 60 }).expect(201);
      const refused = await stack.api.request().patch(`/v1/targets/${plain.body.id}`).send({ key: 'taken' }).expect(422);
      expect(refused.body.detail).toMatch(/another target has this key/);
      expect((await stack.api.request().get(`/v1/targets/${plain.body.id}`).expect(200)).body.key).toBeNull();
    });

    it('refuses a key that is not a slug, naming the field', async () => {
      const res = await stack.api.request().post('/v1/targets').send({ key: 'Not A Key', name: 'x', url: stack.site.url, intervalSeconds: 60 }).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['key']);
    });
  });

  describe('PATCH of a target as a merge patch', () => {
    it('removes a field set to null, so that its default applies', async () => {
      const created = await stack.api
        .request()
        .post('/v1/targets')
        .send({ key: 'patched', name: 'patched', url: stack.site.url, intervalSeconds: 60, bodyContains: 'ok', timeoutMs: 5000 })
        .expect(201);
      const patched = await stack.api.request().patch(`/v1/targets/${created.body.id}`).send({ bodyContains: null, timeoutMs: null, key: null }).expect(200);
      expect(patched.body).not.toHaveProperty('bodyContains');
      expect(patched.body).toMatchObject({ timeoutMs: 10_000, key: null, name: 'patched' });
    });

    it('refuses null for a field the target cannot be without, naming it', async () => {
      const created = await stack.api.request().post('/v1/targets').send({ name: 'needs-url', url: stack.site.url, intervalSeconds: 60 }).expect(201);
      const res = await stack.api.request().patch(`/v1/targets/${created.body.id}`).send({ url: null }).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['url']);
    });
  });

  describe('of channels and escalation policies', () => {
    it('are shown, found by ?key=, replaced with the rest, and refused to a second one (409)', async () => {
      const channel = await stack.api
        .request()
        .post('/v1/channels')
        .send({ key: 'ops-mail', kind: 'email', name: 'Ops', addresses: ['ops@example.com'] })
        .expect(201);
      expect(channel.body.key).toBe('ops-mail');
      const taken = await stack.api
        .request()
        .post('/v1/channels')
        .send({ key: 'ops-mail', kind: 'email', name: 'Other', addresses: ['x@example.com'] })
        .expect(409);
      expect(taken.body.errors).toEqual([{ field: 'key', message: 'taken by another channel' }]);
      const replaced = await stack.api
        .request()
        .put(`/v1/channels/${channel.body.id}`)
        .send({ key: 'ops-mail', kind: 'email', name: 'Ops team', addresses: ['ops@example.com'] })
        .expect(200);
      expect(replaced.body).toMatchObject({ key: 'ops-mail', name: 'Ops team' });
      expect((await stack.api.request().get('/v1/channels?key=ops-mail').expect(200)).body.data.map((c: { id: string }) => c.id)).toEqual([channel.body.id]);

      const levels = [{ timeoutSeconds: 300, channelIds: [channel.body.id] }];
      const policy = await stack.api.request().post('/v1/escalation-policies').send({ key: 'primary', name: 'Primary', levels }).expect(201);
      expect(policy.body.key).toBe('primary');
      const again = await stack.api.request().post('/v1/escalation-policies').send({ key: 'primary', name: 'Again', levels }).expect(409);
      expect(again.body.errors).toEqual([{ field: 'key', message: 'taken by another policy' }]);
      expect((await stack.api.request().get('/v1/escalation-policies?key=primary').expect(200)).body.data.map((p: { id: string }) => p.id)).toEqual([
        policy.body.id,
      ]);
      expect((await stack.api.request().get('/v1/escalation-policies?key=nobody').expect(200)).body.data).toEqual([]);
    });
  });

  describe('of users, rotations and schedules', () => {
    const person = (key: string, email: string) => ({ key, name: key, email, timeZone: 'Europe/Berlin' });

    it('are shown, found by ?key=, kept through a change, removed by null, and refused to a second one (409 naming key, nothing changed)', async () => {
      const ada = await stack.api.request().post('/v1/users').send(person('ada', 'ada@example.com')).expect(201);
      expect(ada.body.key).toBe('ada');
      const taken = await stack.api.request().post('/v1/users').send(person('ada', 'other@example.com')).expect(409);
      expect(taken.body.errors).toEqual([{ field: 'key', message: 'taken by another user' }]);
      expect((await stack.api.request().get('/v1/users?key=ada').expect(200)).body.data.map((u: { id: string }) => u.id)).toEqual([ada.body.id]);
      expect((await stack.api.request().get('/v1/users?limit=200').expect(200)).body.data.map((u: { email: string }) => u.email)).not.toContain(
        'other@example.com',
      );
      const bob = await stack.api.request().post('/v1/users').send(person('bob', 'bob@example.com')).expect(201);
      const moved = await stack.api.request().patch(`/v1/users/${bob.body.id}`).send({ key: 'ada' }).expect(409);
      expect(moved.body.errors).toEqual([{ field: 'key', message: 'taken by another user' }]);
      expect((await stack.api.request().patch(`/v1/users/${bob.body.id}`).send({ name: 'Bob' }).expect(200)).body).toMatchObject({ key: 'bob', name: 'Bob' });

      const rotationBody = { key: 'primary', name: 'Primary', timeZone: 'UTC', shiftLength: 1, shiftUnit: 'weeks', start: '2026-01-05T09:00:00Z' };
      const rotation = await stack.api
        .request()
        .post('/v1/rotations')
        .send({ ...rotationBody, participants: [ada.body.id, bob.body.id] })
        .expect(201);
      expect(rotation.body.key).toBe('primary');
      const again = await stack.api
        .request()
        .post('/v1/rotations')
        .send({ ...rotationBody, participants: [ada.body.id] })
        .expect(409);
      expect(again.body.errors).toEqual([{ field: 'key', message: 'taken by another rotation' }]);
      expect((await stack.api.request().get('/v1/rotations?key=primary').expect(200)).body.data.map((r: { id: string }) => r.id)).toEqual([rotation.body.id]);
      expect((await stack.api.request().patch(`/v1/rotations/${rotation.body.id}`).send({ name: 'First line' }).expect(200)).body).toMatchObject({
        key: 'primary',
        name: 'First line',
      });

      const rules = [{ days: ['mon'], start: '09:00', end: '17:00', rotationId: rotation.body.id }];
      const schedule = await stack.api.request().post('/v1/schedules').send({ key: 'office', name: 'Office', timeZone: 'UTC', rules }).expect(201);
      expect(schedule.body.key).toBe('office');
      const second = await stack.api.request().post('/v1/schedules').send({ key: 'office', name: 'Second', timeZone: 'UTC' }).expect(409);
      expect(second.body.errors).toEqual([{ field: 'key', message: 'taken by another schedule' }]);
      expect((await stack.api.request().get('/v1/schedules?key=office').expect(200)).body.data.map((s: { id: string }) => s.id)).toEqual([schedule.body.id]);
      expect((await stack.api.request().patch(`/v1/schedules/${schedule.body.id}`).send({ name: 'Office hours' }).expect(200)).body).toMatchObject({
        key: 'office',
      });
      expect((await stack.api.request().patch(`/v1/schedules/${schedule.body.id}`).send({ key: null }).expect(200)).body.key).toBeNull();
      expect((await stack.api.request().get('/v1/schedules?key=office').expect(200)).body.data).toEqual([]);
    });
  });
});
