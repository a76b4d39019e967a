import { createHash } from 'node:crypto';
import request from 'supertest';
import { createFlipActivities } from '../../src/activities/flips';
import { CheckResultWriter } from '../../src/db/check-results';
import { parseFeed } from '../support/feed';
import { resultRow, seedTarget } from '../support/seed';
import { useStack } from '../support/stack';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const CACHE_CONTROL = 'public, max-age=30, stale-while-revalidate=60, stale-if-error=86400';

/** Everything text-like a public address answers, to search for what must not be there. */
const text = (res: request.Response): string => (typeof res.text === 'string' && res.text.length > 0 ? res.text : JSON.stringify(res.body));

describe('status pages for people: HTML, badges and an Atom feed', () => {
  const stack = useStack({ api: true });
  const today = Math.floor(Date.now() / DAY) * DAY;
  const now = Date.now();
  let shop: string;
  let payments: string;
  let search: string;
  let hidden: string;
  const get = (path: string) => request(stack.api.url).get(path);

  beforeAll(async () => {
    const writer = new CheckResultWriter(stack.db.pool);
    const { recordFlip } = createFlipActivities({ pool: stack.db.pool });
    shop = await seedTarget(stack.db.pool, { name: 'shop' });
    // Shown as "Payments": its own name is the operator's, not the public's.
    payments = await seedTarget(stack.db.pool, { name: 'internal-payments-7f3a' });
    search = await seedTarget(stack.db.pool, {
      name: 'search',
      maintenance: [{ start: new Date(now + HOUR).toISOString(), end: new Date(now + 3 * HOUR).toISOString() }],
    });
    // On no page at all.
    hidden = await seedTarget(stack.db.pool, { name: 'secret-billing-db' });
    await stack.api
      .request()
      .post('/v1/status-pages')
      .send({
        slug: 'acme',
        title: 'Acme status',
        description: 'How our services are doing',
        logoUrl: 'https://cdn.example.com/logo.png',
        links: [{ label: 'Home', url: 'https://acme.example/' }],
        targets: [{ targetId: shop }, { targetId: payments, displayName: 'Payments' }, { targetId: search }],
      })
      .expect(201);
    // Yesterday the shop failed one probe in four; payments went down today and the hidden target is down too.
    await Promise.all(
      [
        ...[0, 1, 2, 3].map((i) => resultRow(shop, today - DAY + i * 60_000, i === 0 ? 'down' : 'up')),
        resultRow(shop, today + 1000, 'up'),
        resultRow(payments, today + 1000, 'down'),
        resultRow(hidden, today + 1000, 'down'),
      ].map((r) => writer.write(r)),
    );
    await recordFlip({ targetId: shop, flip: { from: 'unknown', to: 'up', at: today - DAY, reason: 'first probe' } });
    await recordFlip({ targetId: payments, flip: { from: 'unknown', to: 'down', at: today + 1000, reason: 'status 503' } });
    await recordFlip({ targetId: hidden, flip: { from: 'unknown', to: 'down', at: today + 1000, reason: 'status 503' } });
    // Payments: open now, and one resolved two days ago. The hidden target: open.
    await stack.db.pool.query(
      `INSERT INTO incidents (id, target_id, sequence, target_name, state, reason, opened_at, acknowledged_at, resolved_at, version) VALUES
         ($1, $2, 2, 'internal-payments-7f3a', 'triggered', 'status 503 from 10.0.0.7', $3, NULL, NULL, 1),
         ($4, $2, 1, 'internal-payments-7f3a', 'resolved', 'timeout', $5, $6, $7, 3),
         ($8, $9, 1, 'secret-billing-db', 'triggered', 'status 503', $3, NULL, NULL, 1)`,
      [
        `inc_${payments.slice(4)}_2`,
        payments,
        new Date(today + 1000),
        `inc_${payments.slice(4)}_1`,
        new Date(now - 2 * DAY),
        new Date(now - 2 * DAY + 10 * 60_000),
        new Date(now - 2 * DAY + HOUR),
        `inc_${hidden.slice(4)}_1`,
        hidden,
      ],
    );
    // Responders' notes on the open one: one for the public, one not.
    await stack.db.pool.query(
      `INSERT INTO incident_events (incident_id, seq, at, kind, actor_id, actor_name, message, data) VALUES
         ($1, 1, $2, 'note', 'key_1', 'alice', 'We are rolling back the release.', '{"public": true}'),
         ($1, 2, $2, 'note', 'key_1', 'alice', 'db-7 ran out of disk', NULL)`,
      [`inc_${payments.slice(4)}_2`, new Date(today + 60_000)],
    );
  });

  describe('the HTML page', () => {
    it("shows the overall state, each target's state and 90 daily bars with each day's figures", async () => {
      const res = await get('/status/acme').expect(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      const html = res.text;
      expect(html).toMatch(/^<!doctype html><html lang="en">/);
      expect(html).toContain('<h1>Acme status</h1>');
      expect(html).toContain('<p class="desc">How our services are doing</p>');
      expect(html).toContain('<img class="logo" src="https://cdn.example.com/logo.png" alt="">');
      expect(html).toContain('<a href="https://acme.example/" rel="noopener">Home</a>');
      expect(html).toContain('<p class="overall outage">Partial outage</p>');
      // The tab's icon is a dot of the same colour, inline: no request for /favicon.ico.
      expect(html).toMatch(/<link rel="icon" href="data:image\/svg\+xml,[^"]*fill='%23cf222e'/);
      const states = [...html.matchAll(/<h3>([^<]+)<\/h3><span class="state s-(\w+)">([^<]+)</g)].map((m) => m.slice(1));
      expect(states).toEqual([
        ['shop', 'up', 'Operational'],
        ['Payments', 'down', 'Outage'],
        ['search', 'unknown', 'No data yet'],
      ]);
      const bars = [...html.matchAll(/<div class="bars" role="img" aria-label="([^"]+)">(.*?)<\/div>/g)];
      expect(bars.map((b) => b[1])).toEqual([
        'shop: 80 % uptime over the last 90 days',
        'Payments: 0 % uptime over the last 90 days',
        'search: no data yet over the last 90 days',
      ]);
      for (const [, , days] of bars) expect(days!.match(/<span class="b /g)).toHaveLength(90);
      const yesterday = new Date(today - DAY).toISOString().slice(0, 10);
      expect(bars[0]![2]).toContain(`<span class="b d" title="${yesterday}: 75 % uptime, 1 min down, 0 min degraded"></span>`);
      expect(bars[0]![2]).toMatch(/^<span class="b n" title="\d{4}-\d\d-\d\d: no data"><\/span>/);
      // A legend says what the colours mean, for those who cannot point at a bar.
      expect(html).toContain('<ul class="legend" aria-label="Legend of the daily bars">');
    });

    it('lists open incidents, those resolved in the last 14 days with their updates, and announced maintenance', async () => {
      const html = (await get('/status/acme').expect(200)).text;
      const section = (id: string) => html.match(new RegExp(`<section aria-labelledby="${id}">(.*?)</section>`))?.[1] ?? '';
      expect(section('active')).toContain('<h3>Payments: investigating</h3>');
      expect(section('active')).toContain('<strong>Investigating</strong>: Payments is not responding as expected.');
      expect(section('active')).toContain('<strong>Investigating</strong>: We are rolling back the release.');
      const past = section('past');
      expect(past).toContain('<h3>Payments</h3>');
      expect([...past.matchAll(/<strong>(\w+)<\/strong>/g)].map((m) => m[1])).toEqual(['Investigating', 'Identified', 'Resolved']);
      expect(section('maintenance')).toContain('<h3>search</h3>');
      expect(section('maintenance')).toContain(`<time datetime="${new Date(now + HOUR).toISOString()}">`);
      // The probe's error (an internal address) and notes not marked public are the operators' to read.
      expect(html).not.toContain('10.0.0.7');
      expect(html).not.toContain('db-7');
    });

    it('is cached as the JSON is, with a strict Content-Security-Policy that allows its own style sheet and nothing to run', async () => {
      const [page, json] = await Promise.all([get('/status/acme').expect(200), get('/v1/public/status-pages/acme').expect(200)]);
      expect(page.headers['cache-control']).toBe(CACHE_CONTROL);
      expect(json.headers['cache-control']).toBe(CACHE_CONTROL);
      const etag = page.headers.etag as string;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
      const cached = await get('/status/acme').set('If-None-Match', etag).expect(304);
      expect(cached.text).toBe('');

      const csp = page.headers['content-security-policy'] as string;
      expect(csp).toMatch(/^default-src 'none'; /);
      expect(csp).not.toMatch(/unsafe|script-src/);
      const style = page.text.match(/<style>(.*?)<\/style>/s)![1]!;
      expect(csp).toContain(`style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`);
      expect(page.text).not.toMatch(/<script|style="| on\w+=/i);
    });

    it('answers 404 problem+json for a slug no page has', async () => {
      for (const path of ['/status/nobody', '/status/nobody/feed.atom']) {
        const res = await get(path).expect(404);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.type).toBe('https://vigil.dev/problems/not-found');
      }
    });
  });

  describe('the Atom feed', () => {
    it("is a valid feed of the page's incidents and maintenance, newest first, as a feed reader parses it", async () => {
      const res = await get('/status/acme/feed.atom').expect(200);
      expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
      expect(res.headers['cache-control']).toBe(CACHE_CONTROL);
      const feed = await parseFeed(res.text, `${stack.api.url}/status/acme/feed.atom`);
      expect(feed.meta['#type']).toBe('atom');
      expect(feed.meta.title).toBe('Acme status');
      expect(feed.meta.link).toBe(`${stack.api.url}/status/acme`);
      // Maintenance dates from when it was announced: a week before it starts.
      expect(feed.items.map((i) => i.title)).toEqual(['Payments: investigating', 'Payments: resolved', 'search: scheduled maintenance']);
      expect(feed.items.map((i) => i.guid)).toEqual([
        `urn:vigil:status-page:acme:incident:inc_${payments.slice(4)}_2`,
        `urn:vigil:status-page:acme:incident:inc_${payments.slice(4)}_1`,
        `urn:vigil:status-page:acme:maintenance:search:${new Date(now + HOUR).toISOString()}`,
      ]);
      expect(feed.items[1]!.date).toEqual(new Date(now - 2 * DAY + HOUR));
      expect(feed.items[1]!.description).toContain('<strong>resolved</strong>');
      expect(feed.items[2]!.date).toEqual(new Date(now + HOUR - 7 * DAY));
      expect(feed.items.every((i) => i.link === `${stack.api.url}/status/acme`)).toBe(true);
      expect(feed.items[0]!.description).toContain('We are rolling back the release.');
      expect(res.text).not.toContain('db-7');
    });
  });

  describe('badges', () => {
    it("show a public target's state and 30-day uptime, named as its page names it, cacheable by a CDN", async () => {
      const status = await get(`/badge/${payments}/status.svg`).expect(200);
      expect(status.headers['content-type']).toMatch(/^image\/svg\+xml/);
      expect(status.headers['cache-control']).toBe(CACHE_CONTROL);
      expect(status.headers.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
      expect(status.headers['access-control-allow-origin']).toBe('*');
      const svg = status.body.toString();
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="20" role="img" aria-label="Payments: down">/);
      expect(svg).toContain('fill="#e05d44"');
      await get(`/badge/${payments}/status.svg`)
        .set('If-None-Match', status.headers.etag as string)
        .expect(304);

      const up = (await get(`/badge/${shop}/status.svg`).expect(200)).body.toString();
      expect(up).toContain('aria-label="shop: up"');
      const uptime = (await get(`/badge/${shop}/uptime-30d.svg`).expect(200)).body.toString();
      expect(uptime).toContain('aria-label="shop 30d: 80 %"');
      const none = (await get(`/badge/${search}/uptime-30d.svg`).expect(200)).body.toString();
      expect(none).toContain('aria-label="search 30d: no data"');
    });

    it('answer 404 problem+json for a target no page shows, one that does not exist, and a malformed id', async () => {
      for (const path of [
        `/badge/${hidden}/status.svg`,
        `/badge/${hidden}/uptime-30d.svg`,
        '/badge/tgt_00000000000000000000000000/status.svg',
        '/badge/nothing/status.svg',
      ]) {
        const res = await get(path).expect(404);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    });
  });

  it("never shows a private target's name, nor the own name of a target shown under another, on any public page, badge or feed", async () => {
    const paths = [
      '/status/acme',
      '/status/acme/feed.atom',
      '/v1/public/status-pages/acme',
      ...[shop, payments, search, hidden].flatMap((id) => [`/badge/${id}/status.svg`, `/badge/${id}/uptime-30d.svg`]),
    ];
    const answers = await Promise.all(paths.map((p) => get(p).buffer(true)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(paths.length - 2);
    for (const [i, answer] of answers.entries()) {
      const body = Buffer.isBuffer(answer.body) ? answer.body.toString() : text(answer);
      expect(`${paths[i]}: ${body.includes('secret-billing-db') || body.includes('internal-payments-7f3a')}`).toBe(`${paths[i]}: false`);
    }
  });

  describe('whatever operators name things', () => {
    const hostile = {
      title: '</title><script>alert(1)</script>',
      description: '"><img src=x onerror=alert(2)> \u0007bell',
      name: '<b onmouseover=alert(3)>API</b> & "co"',
      label: "<i>docs</i>'",
    };
    let target: string;

    beforeAll(async () => {
      target = await seedTarget(stack.db.pool, { name: 'plain' });
      await stack.api
        .request()
        .post('/v1/status-pages')
        .send({
          slug: 'hostile',
          title: hostile.title,
          description: hostile.description,
          links: [{ label: hostile.label, url: 'https://example.com/?q="><script>alert(4)</script>' }],
          targets: [{ targetId: target, displayName: hostile.name }],
        })
        .expect(201);
      await stack.db.pool.query(
        `INSERT INTO incidents (id, target_id, sequence, target_name, state, reason, opened_at, version)
         VALUES ($1, $2, 1, 'plain', 'triggered', 'down', now(), 1)`,
        [`inc_${target.slice(4)}_1`, target],
      );
    });

    it('shows names, descriptions and links as text: no markup of theirs reaches the page, the feed or a badge', async () => {
      const html = (await get('/status/hostile').expect(200)).text;
      expect(html).not.toMatch(/<script|<img src=x|<b onmouseover|<i>docs/);
      expect(html).toContain('<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>');
      expect(html).toContain('&lt;b onmouseover=alert(3)&gt;API&lt;/b&gt; &amp; &quot;co&quot;');
      expect(html).toContain('href="https://example.com/?q=&quot;&gt;&lt;script&gt;alert(4)&lt;/script&gt;"');
      // A control character XML forbids is dropped, so the feed stays well-formed.
      expect(html).not.toContain('\u0007');

      const feed = await parseFeed((await get('/status/hostile/feed.atom').expect(200)).text, `${stack.api.url}/status/hostile/feed.atom`);
      // The text as it was written (feedparser's `title` strips what looks like tags; its raw `#` is the element's text).
      expect(feed.meta['atom:title']['#']).toBe(hostile.title);
      expect(feed.items.map((i) => i['atom:title']['#'])).toEqual([`${hostile.name}: investigating`]);

      const badge = (await get(`/badge/${target}/status.svg`).expect(200)).body.toString();
      expect(badge).not.toContain('<b ');
      expect(badge).toContain('aria-label="&lt;b onmouseover=alert(3)&gt;API&lt;/b&gt; &amp; &quot;co&quot;: unknown"');
    });
  });

  describe("the page's presentation, set by an admin", () => {
    it('changes the logo and links, and removes the logo with null', async () => {
      const { body } = await stack.api.request().post('/v1/status-pages').send({ slug: 'presented', title: 'P' }).expect(201);
      expect(body).toMatchObject({ logoUrl: null, links: [], pageUrl: '/status/presented', feedUrl: '/status/presented/feed.atom' });
      const links = [
        { label: 'Support', url: 'https://help.example.com/' },
        { label: 'Home', url: 'http://example.com/' },
      ];
      const changed = await stack.api.request().patch(`/v1/status-pages/${body.id}`).send({ logoUrl: 'https://example.com/l.svg', links }).expect(200);
      expect(changed.body).toMatchObject({ logoUrl: 'https://example.com/l.svg', links });
      const kept = await stack.api.request().patch(`/v1/status-pages/${body.id}`).send({ title: 'Q' }).expect(200);
      expect(kept.body).toMatchObject({ title: 'Q', logoUrl: 'https://example.com/l.svg', links });
      const removed = await stack.api.request().patch(`/v1/status-pages/${body.id}`).send({ logoUrl: null }).expect(200);
      expect(removed.body).toMatchObject({ logoUrl: null, links });
      expect((await get('/status/presented').expect(200)).text).not.toContain('<img');
    });

    it.each([
      ['a logo over plain http', { logoUrl: 'http://example.com/logo.png' }, 'logoUrl'],
      ['a link to a script', { links: [{ label: 'x', url: 'javascript:alert(1)' }] }, 'links.0.url'],
      ['a link without a label', { links: [{ url: 'https://example.com/' }] }, 'links.0.label'],
    ])('refuses %s with 400 naming the field, and creates nothing', async (_case, fields, field) => {
      const res = await stack.api
        .request()
        .post('/v1/status-pages')
        .send({ slug: 'refused', title: 'R', ...fields })
        .expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
      await get('/status/refused').expect(404);
    });
  });
});
