import type request from 'supertest';
import { listTargetsQuery, type TargetFilter } from '../../src/db/target-reads';
import { upsertTarget } from '../../src/db/targets';
import { TargetSpecSchema } from '../../src/domain/target';
import { newId } from '../../src/ids';
import { useStack } from '../support/stack';
import { testSecrets } from '../support/codec';

/** GET /v1/targets: filters and cursor pagination over the projections; no Temporal involved. */
describe('listing targets', () => {
  const stack = useStack({ api: true });
  let clock = Date.UTC(2026, 0, 1);

  /** A target as its workflow would project it, showing `state`. Ids are ULIDs: each one newer than the last. */
  async function addTarget(name: string, opts: { state?: string; kind?: 'http' | 'tcp'; tags?: string[]; key?: string } = {}): Promise<string> {
    clock += 1000;
    const id = newId('tgt', clock);
    const probe = opts.kind === 'tcp' ? { kind: 'tcp', host: 'db.example.com', port: 5432 } : { kind: 'http', url: 'https://example.com' };
    const spec = TargetSpecSchema.parse({ name, key: opts.key, intervalSeconds: 60, probe, tags: opts.tags ?? [] });
    await upsertTarget(stack.db.pool, testSecrets, { targetId: id, spec, version: 1, paused: false });
    if (opts.state) await stack.db.pool.query('UPDATE target_status SET state = $2 WHERE target_id = $1', [id, opts.state]);
    return id;
  }

  const names = (res: request.Response) => res.body.data.map((t: { name: string }) => t.name);

  describe('filters', () => {
    beforeAll(async () => {
      await addTarget('shop-eu', { state: 'up', tags: ['eu', 'shop'] });
      await addTarget('shop-us', { state: 'down', tags: ['us', 'shop'] });
      await addTarget('db-eu', { state: 'down', kind: 'tcp', tags: ['eu'] });
      await addTarget('blog', { state: 'up', key: 'blog-home' });
    });

    it.each([
      ['nothing: every target, newest first', '', ['blog', 'db-eu', 'shop-us', 'shop-eu']],
      ['state', 'state=down', ['db-eu', 'shop-us']],
      ['kind', 'kind=tcp', ['db-eu']],
      ['a tag', 'tag=eu', ['db-eu', 'shop-eu']],
      ['every one of several tags', 'tag=eu&tag=shop', ['shop-eu']],
      ['state, kind and tag together', 'state=down&kind=http&tag=shop', ['shop-us']],
      ['key', 'key=blog-home', ['blog']],
      ['a tag nobody has', 'tag=asia', []],
    ])('by %s', async (_what, query, expected) => {
      const res = await stack.api.request().get(`/v1/targets?${query}`).expect(200);
      expect(names(res)).toEqual(expected);
      expect(res.body.nextCursor).toBeNull();
    });

    it('shows each target as GET /v1/targets/:id does, tags included', async () => {
      const [listed] = (await stack.api.request().get('/v1/targets?tag=us').expect(200)).body.data;
      expect(listed).toMatchObject({ name: 'shop-us', tags: ['us', 'shop'], kind: 'http', status: { state: 'down' } });
      const single = await stack.api.request().get(`/v1/targets/${listed.id}`).expect(200);
      expect(single.body).toEqual(listed);
    });

    it.each([
      ['an unknown state', 'state=sideways', 'state'],
      ['an unknown kind', 'kind=smtp', 'kind'],
      ['a tag that is not a slug', 'tag=Not%20A%20Slug', 'tag'],
      ['a limit of 0', 'limit=0', 'limit'],
      ['a limit over 200', 'limit=201', 'limit'],
      ['a cursor it never gave out', 'cursor=abc', 'cursor'],
      ['an unknown parameter', 'stat=down', 'stat'],
    ])('refuses %s, naming the parameter', async (_what, query, field) => {
      const res = await stack.api.request().get(`/v1/targets?${query}`).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });
  });

  it('pages by cursor, and stays stable while targets are added: none seen twice, none skipped', async () => {
    const tag = 'paging';
    const existing = [];
    for (let i = 0; i < 7; i++) existing.push(await addTarget(`page-${i}`, { tags: [tag] }));
    const seen: string[] = [];
    let next: string | undefined = `/v1/targets?tag=${tag}&limit=3`;
    let pages = 0;
    while (next) {
      const res: request.Response = await stack.api.request().get(next).expect(200);
      seen.push(...res.body.data.map((t: { id: string }) => t.id));
      expect(res.body.data.length).toBeLessThanOrEqual(3);
      // A new target arrives between pages: it is newer than every page still to come.
      await addTarget(`added-after-page-${pages}`, { tags: [tag] });
      if (res.body.nextCursor) {
        expect(res.headers.link).toBe(`<${next.replace(/&cursor=[^&]*/, '')}&cursor=${res.body.nextCursor}>; rel="next"`);
        next = `/v1/targets?tag=${tag}&limit=3&cursor=${res.body.nextCursor}`;
      } else {
        expect(res.headers.link).toBeUndefined();
        next = undefined;
      }
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([...existing].reverse());
  });

  it('answers every filter with one indexed query, never a scan of the table', async () => {
    for (let i = 0; i < 50; i++)
      await addTarget(`bulk-${i}`, { state: i % 2 ? 'up' : 'down', kind: i % 3 ? 'http' : 'tcp', tags: [`t${i % 5}`], key: `bulk-${i}` });
    await stack.db.pool.query('ANALYZE targets; ANALYZE target_status');
    const filters: TargetFilter[] = [
      { limit: 51 },
      { state: 'down', limit: 51 },
      { kind: 'tcp', limit: 51 },
      { tags: ['t1'], limit: 51 },
      { key: 'bulk-7', limit: 51 },
      { state: 'up', kind: 'http', tags: ['t2'], before: newId('tgt', clock), limit: 51 },
    ];
    const client = await stack.db.pool.connect();
    try {
      // With sequential scans priced out, a plan still without one proves an index serves the query.
      await client.query('SET enable_seqscan = off');
      for (const filter of filters) {
        const { text, values } = listTargetsQuery(filter);
        const plan = (await client.query(`EXPLAIN ${text}`, values)).rows.map((r) => r['QUERY PLAN']).join('\n');
        expect(`${JSON.stringify(filter)}\n${plan}`).not.toMatch(/Seq Scan/);
      }
    } finally {
      client.release();
    }
  });
});
