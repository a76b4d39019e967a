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
});
