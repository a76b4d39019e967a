import request from 'supertest';
import { createFlipActivities } from '../../src/activities/flips';
import { CheckResultWriter } from '../../src/db/check-results';
import { deleteTargetProjection } from '../../src/db/targets';
import { resultRow, seedTarget } from '../support/seed';
import { useStack } from '../support/stack';

const DAY = 86_400_000;

describe('status pages', () => {
  const stack = useStack({ api: true });
  let writer: CheckResultWriter;

  beforeAll(async () => {
    writer = new CheckResultWriter(stack.db.pool);
  });

  const addTarget = (name: string) => seedTarget(stack.db.pool, { name });

  describe('managed with an admin key', () => {
    let shop: string;
    let blog: string;
    beforeAll(async () => {
      shop = await addTarget('shop');
      blog = await addTarget('blog');
    });

    it('creates, reads, changes and deletes a page and the targets it shows', async () => {
      const created = await stack.api
        .request()
        .post('/v1/status-pages')
        .send({ slug: 'acme', title: 'Acme', targets: [{ targetId: shop, displayName: 'Shop' }, { targetId: blog }] })
        .expect(201);
      const id: string = created.body.id;
      expect(created.headers.location).toBe(`/v1/status-pages/${id}`);
      expect(created.body).toMatchObject({
        slug: 'acme',
        title: 'Acme',
        description: '',
        logoUrl: null,
        links: [],
        publicUrl: '/v1/public/status-pages/acme',
        pageUrl: '/status/acme',
        feedUrl: '/status/acme/feed.atom',
        targets: [
          { targetId: shop, name: 'shop', displayName: 'Shop' },
          { targetId: blog, name: 'blog', displayName: null },
        ],
      });
      expect((await stack.api.request().get(`/v1/status-pages/${id}`).expect(200)).body).toEqual(created.body);
      expect((await stack.api.request().get('/v1/status-pages').expect(200)).body.data.map((p: { id: string }) => p.id)).toContain(id);

      const changed = await stack.api
        .request()
        .patch(`/v1/status-pages/${id}`)
        .send({ title: 'Acme Inc.', targets: [{ targetId: blog }] })
        .expect(200);
      expect(changed.body).toMatchObject({ slug: 'acme', title: 'Acme Inc.', targets: [{ targetId: blog }] });
      expect(changed.body.targets).toHaveLength(1);

      const added = await stack.api.request().put(`/v1/status-pages/${id}/targets/${shop}`).send({ displayName: 'Web shop' }).expect(200);
      expect(added.body.targets.map((t: { displayName: string | null }) => t.displayName)).toEqual([null, 'Web shop']);
      // Again: renamed, not added twice.
      const renamed = await stack.api.request().put(`/v1/status-pages/${id}/targets/${shop}`).send({ displayName: 'Store' }).expect(200);
      expect(renamed.body.targets.map((t: { displayName: string | null }) => t.displayName)).toEqual([null, 'Store']);

      await stack.api.request().delete(`/v1/status-pages/${id}/targets/${blog}`).expect(204);
      await stack.api.request().delete(`/v1/status-pages/${id}/targets/${blog}`).expect(404);
      expect((await stack.api.request().get(`/v1/status-pages/${id}`).expect(200)).body.targets.map((t: { targetId: string }) => t.targetId)).toEqual([shop]);

      await stack.api.request().delete(`/v1/status-pages/${id}`).expect(204);
      await stack.api.request().get(`/v1/status-pages/${id}`).expect(404);
      await request(stack.api.url).get('/v1/public/status-pages/acme').expect(404);
    });

    it('takes a deleted target off every page', async () => {
      const gone = await addTarget('gone');
      const { body } = await stack.api
        .request()
        .post('/v1/status-pages')
        .send({ slug: 'deleting', title: 'D', targets: [{ targetId: gone }, { targetId: shop }] })
        .expect(201);
      await deleteTargetProjection(stack.db.pool, gone);
      expect((await stack.api.request().get(`/v1/status-pages/${body.id}`).expect(200)).body.targets.map((t: { targetId: string }) => t.targetId)).toEqual([
        shop,
      ]);
    });

    it.each([
      ['a malformed slug', { slug: 'Acme Status', title: 'A' }, 400, 'slug'],
      ['a missing title', { slug: 'no-title' }, 400, 'title'],
      [
        'a target listed twice',
        { slug: 'twice', title: 'T', targets: [{ targetId: 'tgt_01M8B7Z5CFY505SXTDD14RPC6R' }, { targetId: 'tgt_01M8B7Z5CFY505SXTDD14RPC6R' }] },
        400,
        'targets.1.targetId',
      ],
      ['an unknown field', { slug: 'unknown', title: 'T', theme: 'dark' }, 400, 'theme'],
      ['a target that does not exist', { slug: 'missing', title: 'T', targets: [{ targetId: 'tgt_00000000000000000000000000' }] }, 422, 'targets.0.targetId'],
    ])('refuses %s, naming the field, and creates nothing', async (_case, body, status, field) => {
      const res = await stack.api.request().post('/v1/status-pages').send(body).expect(status);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
      const { rows } = await stack.db.pool.query('SELECT count(*)::int AS n FROM status_pages WHERE slug = $1', [(body as { slug: string }).slug]);
      expect(rows[0].n).toBe(0);
    });

    it('refuses a slug another page has with 409', async () => {
      await stack.api.request().post('/v1/status-pages').send({ slug: 'taken', title: 'First' }).expect(201);
      const res = await stack.api.request().post('/v1/status-pages').send({ slug: 'taken', title: 'Second' }).expect(409);
      expect(res.body.detail).toBe('another status page has this slug');
    });

    it('lets a viewer read pages but not change them', async () => {
      const viewer = await stack.api.createKey('viewer');
      await stack.api.request(viewer).get('/v1/status-pages').expect(200);
      await stack.api.request(viewer).post('/v1/status-pages').send({ slug: 'viewer', title: 'V' }).expect(403);
    });
  });

  describe('read by the public', () => {
    const slug = 'public-acme';
    let api_: string;
    let db_: string;
    const today = Math.floor(Date.now() / DAY) * DAY;

    beforeAll(async () => {
      api_ = await addTarget('api');
      db_ = await addTarget('database');
      await stack.api
        .request()
        .post('/v1/status-pages')
        .send({ slug, title: 'Acme status', description: 'Our services', targets: [{ targetId: api_, displayName: 'API' }, { targetId: db_ }] })
        .expect(201);
      // Yesterday the API failed one probe in four; today it is fine so far. The database has been down since today.
      await Promise.all(
        [
          ...[0, 1, 2, 3].map((i) => resultRow(api_, today - DAY + i * 60_000, i === 0 ? 'down' : 'up')),
          resultRow(api_, today + 1000, 'up'),
          resultRow(db_, today + 1000, 'down'),
          resultRow(db_, today + 2000, 'missed'),
        ].map((r) => writer.write(r)),
      );
      const { recordFlip } = createFlipActivities({ pool: stack.db.pool });
      await recordFlip({ targetId: api_, flip: { from: 'unknown', to: 'up', at: today - DAY, reason: 'first probe' } });
      await recordFlip({ targetId: db_, flip: { from: 'unknown', to: 'down', at: today + 1000, reason: 'status 503' } });
      await stack.db.pool.query(
        `INSERT INTO incidents (id, target_id, sequence, target_name, state, reason, opened_at, version)
         VALUES ($1, $2, 1, 'database', 'triggered', 'status 503', $3, 1), ($4, $5, 1, 'api', 'resolved', 'timeout', $6, 3)`,
        [`inc_${db_.slice(4)}_1`, db_, new Date(today + 1000), `inc_${api_.slice(4)}_1`, api_, new Date(today - DAY)],
      );
    });

    it("shows each target's state, 90 daily uptime bars and the open incidents, without a key", async () => {
      const res = await request(stack.api.url).get(`/v1/public/status-pages/${slug}`).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const { body } = res;
      expect(body).toMatchObject({ slug, title: 'Acme status', description: 'Our services', status: 'outage' });
      expect(body.targets.map((t: { name: string; state: string }) => [t.name, t.state])).toEqual([
        ['API', 'up'],
        ['database', 'down'],
      ]);
      const [apiBars, dbBars] = body.targets.map((t: { days: unknown[] }) => t.days);
      expect(apiBars).toHaveLength(90);
      expect(apiBars[89]).toEqual({ date: new Date(today).toISOString().slice(0, 10), uptimePercent: 100, down: 0, degraded: 0 });
      expect(apiBars[88]).toEqual({ date: new Date(today - DAY).toISOString().slice(0, 10), uptimePercent: 75, down: 1, degraded: 0 });
      expect(apiBars[0]).toEqual({ date: new Date(today - 89 * DAY).toISOString().slice(0, 10), uptimePercent: null, down: 0, degraded: 0 });
      expect(body.targets[0].uptimePercent).toBe(80);
      // The missed slot counts neither way.
      expect(dbBars[89]).toMatchObject({ uptimePercent: 0, down: 1 });
      const startedAt = new Date(today + 1000).toISOString();
      expect(body.incidents).toEqual([
        {
          id: `inc_${db_.slice(4)}_1`,
          target: 'database',
          status: 'investigating',
          startedAt,
          resolvedAt: null,
          updates: [{ at: startedAt, status: 'investigating', message: 'database is not responding as expected.' }],
        },
      ]);
      // The resolved one has no time of resolution, so it is not among the recently resolved.
      expect(body.resolvedIncidents).toEqual([]);
    });

    it('is served with a strong ETag and cache headers, and answers If-None-Match with 304 until something changes', async () => {
      const first = await request(stack.api.url).get(`/v1/public/status-pages/${slug}`).expect(200);
      const etag = first.headers.etag as string;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
      expect(first.headers['cache-control']).toBe('public, max-age=30, stale-while-revalidate=60, stale-if-error=86400');
      expect(first.headers['access-control-allow-origin']).toBe('*');

      const cached = await request(stack.api.url).get(`/v1/public/status-pages/${slug}`).set('If-None-Match', etag).expect(304);
      expect(cached.text).toBe('');
      expect(cached.headers.etag).toBe(etag);
      await request(stack.api.url).get(`/v1/public/status-pages/${slug}`).set('If-None-Match', `"other", W/${etag}`).expect(304);

      // A failed probe changes today's bar, so the page.
      await writer.write(resultRow(api_, today + 6000, 'down'));
      const changed = await request(stack.api.url).get(`/v1/public/status-pages/${slug}`).set('If-None-Match', etag).expect(200);
      expect(changed.headers.etag).not.toBe(etag);
      expect(changed.body.targets[0].days[89]).toMatchObject({ down: 1 });
    });

    it('reads a few indexed projections per request, never the raw results, however many there are', async () => {
      const query = jest.spyOn(stack.db.pool, 'query');
      try {
        await request(stack.api.url).get(`/v1/public/status-pages/${slug}`).expect(200);
        const statements = query.mock.calls.map(([sql]) => String(typeof sql === 'string' ? sql : (sql as { text: string }).text));
        expect(statements).toHaveLength(3);
        expect(statements.filter((sql) => /check_results\b/.test(sql))).toEqual([]);
      } finally {
        query.mockRestore();
      }
    });

    it("shows no bar for a day after today (a writer whose clock is ahead of the API's)", async () => {
      await stack.db.pool.query('INSERT INTO check_rollups_daily (target_id, starts_at, probes, down) VALUES ($1, $2, 10, 10)', [api_, new Date(today + DAY)]);
      const { body } = await request(stack.api.url).get(`/v1/public/status-pages/${slug}`).expect(200);
      expect(body.targets[0].days).toHaveLength(90);
      expect(body.targets[0].days[89].date).toBe(new Date(today).toISOString().slice(0, 10));
    });

    it('answers 404 for a slug no page has', async () => {
      const res = await request(stack.api.url).get('/v1/public/status-pages/nobody').expect(404);
      expect(res.body.type).toBe('https://vigil.dev/problems/not-found');
    });
  });
});
