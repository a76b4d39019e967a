import { eventually } from '../support/eventually';
import { useStack } from '../support/stack';

/** Operator commands on a running target, through the API to its workflow and back. */
describe('changing a target through the API', () => {
  const stack = useStack({ temporal: 'local', worker: true, api: true, site: true });

  const api = () => stack.api.request();

  async function createTarget(fields: Record<string, unknown> = {}, { waitUntilUp = true } = {}) {
    const res = await api()
      .post('/v1/targets')
      .send({ name: 'shop', url: `${stack.site.url}/health`, intervalSeconds: 1, downAfter: 1, upAfter: 1, ...fields })
      .expect(201);
    const id: string = res.body.id;
    if (waitUntilUp) await eventually(async () => expect((await api().get(`/v1/targets/${id}`)).body.status.state).toBe('up'));
    return id;
  }

  const resultCount = async (id: string) => Number((await stack.db.pool.query('SELECT count(*) FROM check_results WHERE target_id = $1', [id])).rows[0].count);

  describe('PATCH /v1/targets/:id', () => {
    it('applies a valid change through the workflow and shows it, with a new version', async () => {
      const id = await createTarget();
      const before = await api().get(`/v1/targets/${id}`).expect(200);
      expect(before.headers.etag).toBe('"1"');
      const res = await api()
        .patch(`/v1/targets/${id}`)
        .send({ name: 'shop (EU)', expectedStatus: [200, '300-399'] })
        .expect(200);
      expect(res.body).toMatchObject({ name: 'shop (EU)', expectedStatus: [200, '300-399'], url: `${stack.site.url}/health`, version: 2 });
      expect(res.headers.etag).toBe('"2"');
      expect((await api().get(`/v1/targets/${id}`)).body.name).toBe('shop (EU)');
    });

    it('refuses an invalid change with a problem naming the field, and keeps the configuration in force', async () => {
      const id = await createTarget();
      for (const [patch, field] of [
        [{ intervalSeconds: 0 }, 'intervalSeconds'],
        [{ url: 'not a url' }, 'url'],
        [{ colour: 'red' }, 'colour'],
        [{ maintenance: [{ start: '2026-01-02T00:00:00Z', end: '2026-01-01T00:00:00Z' }] }, 'maintenance.0.end'],
      ] as const) {
        const res = await api().patch(`/v1/targets/${id}`).send(patch).expect(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
      const after = await api().get(`/v1/targets/${id}`).expect(200);
      expect(after.body).toMatchObject({ name: 'shop', intervalSeconds: 1, version: 1 });
    });

    it('refuses a change made against a version that is no longer current (If-Match)', async () => {
      const id = await createTarget();
      await api().patch(`/v1/targets/${id}`).set('If-Match', '"1"').send({ name: 'first' }).expect(200);
      const res = await api().patch(`/v1/targets/${id}`).set('If-Match', '"1"').send({ name: 'second' }).expect(409);
      expect(res.body.type).toBe('https://vigil.dev/problems/conflict');
      expect((await api().get(`/v1/targets/${id}`)).body.name).toBe('first');
    });

    it('changes the kind of probe, replacing the old probe fields', async () => {
      const id = await createTarget();
      const { port } = new URL(stack.site.url);
      const res = await api()
        .patch(`/v1/targets/${id}`)
        .send({ kind: 'tcp', host: '127.0.0.1', port: Number(port) })
        .expect(200);
      expect(res.body).toMatchObject({ kind: 'tcp', host: '127.0.0.1', port: Number(port) });
      expect(res.body).not.toHaveProperty('url');
    });
  });

  it('pauses (no more probes, shown paused) and resumes a target; repeating either is harmless', async () => {
    const id = await createTarget();
    const paused = await api().post(`/v1/targets/${id}/pause`).expect(200);
    expect(paused.body).toMatchObject({ paused: true, status: { state: 'paused' } });
    await api().post(`/v1/targets/${id}/pause`).expect(200);
    const count = await resultCount(id);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await resultCount(id)).toBe(count);
    await api().post(`/v1/targets/${id}/check`).expect(409);

    const resumed = await api().post(`/v1/targets/${id}/resume`).expect(200);
    expect(resumed.body).toMatchObject({ paused: false });
    await api().post(`/v1/targets/${id}/resume`).expect(200);
    await eventually(async () => expect(await resultCount(id)).toBeGreaterThan(count));
  });

  it('checks now and answers with the result', async () => {
    const id = await createTarget({ intervalSeconds: 3600 }, { waitUntilUp: false });
    const res = await api().post(`/v1/targets/${id}/check`).expect(200);
    expect((await api().get(`/v1/targets/${id}`)).body.status.state).toBe('up');
    expect(res.body).toMatchObject({ outcome: 'up', error: null });
    expect(typeof res.body.latencyMs).toBe('number');
    const manual = await stack.db.pool.query('SELECT outcome FROM check_results WHERE target_id = $1 AND manual', [id]);
    expect(manual.rows).toEqual([{ outcome: 'up' }]);
  });

  it('deletes a target: its workflow ends and it is gone from the API', async () => {
    const id = await createTarget();
    await api().delete(`/v1/targets/${id}`).expect(204);
    await api().get(`/v1/targets/${id}`).expect(404);
    await api().delete(`/v1/targets/${id}`).expect(404);
    await api().post(`/v1/targets/${id}/pause`).expect(404);
    const count = await resultCount(id);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await resultCount(id)).toBe(count);
  });

  it('answers 404 for commands on a target that does not exist', async () => {
    await api().patch('/v1/targets/tgt_01M8B7Z5CFY505SXTDD14RPC6R').send({ name: 'x' }).expect(404);
    await api().post('/v1/targets/tgt_01M8B7Z5CFY505SXTDD14RPC6R/check').expect(404);
    await api().post('/v1/targets/nonsense/resume').expect(404);
  });
});
