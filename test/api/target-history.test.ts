import type request from 'supertest';
import { createFlipActivities } from '../../src/activities/flips';
import { CheckResultWriter, type CheckResultRow } from '../../src/db/check-results';
import { newId } from '../../src/ids';
import { resultRow, seedTarget } from '../support/seed';
import { useStack } from '../support/stack';

/** A target's results, flips and stats through the API, over what the real writer and activities recorded. */
describe("a target's history", () => {
  const stack = useStack({ api: true });
  let writer: CheckResultWriter;

  beforeAll(async () => {
    writer = new CheckResultWriter(stack.db.pool);
  });

  const addTarget = () => seedTarget(stack.db.pool, { intervalSeconds: 10 });
  /** Probed 3 ms after its slot, answering 200 (or failing with a message), after one success. */
  const result = (targetId: string, scheduledAt: number, outcome: CheckResultRow['outcome'] = 'up', latencyMs: number | null = 100): CheckResultRow =>
    resultRow(targetId, scheduledAt, outcome, {
      startedAt: scheduledAt + 3,
      latencyMs: outcome === 'missed' ? null : latencyMs,
      statusCode: outcome === 'missed' ? null : 200,
      error: outcome === 'up' ? null : `it was ${outcome}`,
      consecutiveSuccesses: 1,
    });

  const record = (rows: CheckResultRow[]) => Promise.all(rows.map((r) => writer.write(r)));
  const times = (body: { data: { scheduledAt?: string; at?: string }[] }) => body.data.map((r) => Date.parse((r.scheduledAt ?? r.at)!));

  /** Follows nextCursor from the first page to the last, calling `onPage` with what it has seen after each. */
  async function pageThrough(path: string, onPage: (seen: number[]) => Promise<unknown> = async () => undefined): Promise<number[]> {
    const seen: number[] = [];
    let next: string | null = path;
    while (next) {
      const res: request.Response = await stack.api.request().get(next).expect(200);
      seen.push(...times(res.body));
      expect(res.body.data.length).toBeLessThanOrEqual(25);
      if (res.body.nextCursor) expect(res.headers.link).toBe(`<${path.split('?')[0]}?limit=25&cursor=${res.body.nextCursor}>; rel="next"`);
      next = res.body.nextCursor ? `${path.split('?')[0]}?limit=25&cursor=${res.body.nextCursor}` : null;
      await onPage(seen);
    }
    return seen;
  }

  describe('results', () => {
    it('lists results newest first, every field as recorded, and only those in the time range', async () => {
      const id = await addTarget();
      const t = Date.parse('2026-03-01T12:00:00Z');
      await record([result(id, t, 'up', 42), result(id, t + 10_000, 'down', 7), result(id, t + 20_000, 'missed'), result(id, t + 30_000)]);
      const all = await stack.api.request().get(`/v1/targets/${id}/results`).expect(200);
      expect(all.body.nextCursor).toBeNull();
      expect(all.body.data[0]).toEqual({
        scheduledAt: '2026-03-01T12:00:30.000Z',
        startedAt: '2026-03-01T12:00:30.003Z',
        outcome: 'up',
        latencyMs: 100,
        statusCode: 200,
        error: null,
        manual: false,
        maintenance: false,
      });
      expect(all.body.data.map((r: { outcome: string }) => r.outcome)).toEqual(['up', 'missed', 'down', 'up']);
      const ranged = await stack.api.request().get(`/v1/targets/${id}/results?from=2026-03-01T12:00:10Z&to=2026-03-01T12:00:30Z`).expect(200);
      expect(times(ranged.body)).toEqual([t + 20_000, t + 10_000]);
    });

    it('pages through every result exactly once while new ones are recorded, late ones included where the client has not been yet', async () => {
      const id = await addTarget();
      const start = Date.parse('2026-03-02T08:00:00Z');
      // Every other second: the odd seconds are slots whose result arrives late (a window retried on another worker).
      const initial = Array.from({ length: 100 }, (_, i) => start + 2000 * i);
      await record(initial.map((at) => result(id, at)));
      const newer: number[] = [];
      const lateBehind: number[] = [];
      const lateAhead: number[] = [];
      // From the first page on, new results are recorded all along, as the client pages.
      let paging = true;
      let recording: Promise<void> | undefined;
      const recordNewer = async () => {
        while (paging) {
          newer.push(start + 300_000 + newer.length * 1000);
          await record([result(id, newer.at(-1)!)]);
        }
      };
      const seen = await pageThrough(`/v1/targets/${id}/results?limit=25`, async (soFar) => {
        recording ??= recordNewer();
        // And after each page, a late result in a gap on either side of where the client stands.
        const cursor = Math.min(...soFar);
        if (cursor + 1000 < start + 200_000) lateBehind.push(cursor + 1000);
        if (cursor - 1000 > start) lateAhead.push(cursor - 1000);
        await record([...lateBehind.slice(-1), ...lateAhead.slice(-1)].map((at) => result(id, at)));
      });
      paging = false;
      await recording;
      expect(newer.length).toBeGreaterThan(1);
      expect(seen).toEqual([...new Set(seen)].sort((a, b) => b - a));
      expect(seen).toEqual([...initial, ...lateAhead].sort((a, b) => b - a));
      expect(lateAhead.length).toBeGreaterThanOrEqual(3);
      expect(lateBehind.length).toBeGreaterThanOrEqual(3);
      // Recorded, and shown to a client that starts afresh.
      expect(await pageThrough(`/v1/targets/${id}/results?limit=25`)).toHaveLength(initial.length + newer.length + lateBehind.length + lateAhead.length);
    });

    it('answers 404 for a target that does not exist, or no longer does', async () => {
      await stack.api
        .request()
        .get(`/v1/targets/${newId('tgt')}/results`)
        .expect(404);
      await stack.api.request().get('/v1/targets/not-an-id/results').expect(404);
    });
  });

  describe('flips', () => {
    it('lists state changes newest first, paginated', async () => {
      const id = await addTarget();
      const { recordFlip } = createFlipActivities({ pool: stack.db.pool });
      const t = Date.parse('2026-03-03T00:00:00Z');
      for (let i = 0; i < 60; i++) {
        const [from, to] = i % 2 === 0 ? (['up', 'down'] as const) : (['down', 'up'] as const);
        await recordFlip({ targetId: id, flip: { from, to, at: t + i * 60_000, reason: `change ${i}` } });
      }
      const first = await stack.api.request().get(`/v1/targets/${id}/flips?limit=2`).expect(200);
      expect(first.body.data).toEqual([
        { at: new Date(t + 59 * 60_000).toISOString(), from: 'down', to: 'up', reason: 'change 59' },
        { at: new Date(t + 58 * 60_000).toISOString(), from: 'up', to: 'down', reason: 'change 58' },
      ]);
      const seen = await pageThrough(`/v1/targets/${id}/flips?limit=25`);
      expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => t + (59 - i) * 60_000));
    });
  });

  describe('stats', () => {
    const HOUR = 3_600_000;
    const DAY = 24 * HOUR;
    const thisHour = Math.floor(Date.now() / HOUR) * HOUR;
    let id: string;

    beforeAll(async () => {
      id = await addTarget();
      const latencies = [10, 20, 30, 40, 50, 60, 70, 80];
      await record([
        ...latencies.map((ms, i) => result(id, thisHour + i * 1000, 'up', ms)),
        result(id, thisHour + 8000, 'down', 5),
        result(id, thisHour + 9000, 'missed'),
        ...Array.from({ length: 5 }, (_, i) => result(id, thisHour - 3 * DAY + i * 1000, i === 0 ? 'down' : 'degraded', 200)),
        ...Array.from({ length: 3 }, (_, i) => result(id, thisHour - 40 * DAY + i * 1000)),
      ]);
    });

    it('answers uptime and latency over the last 24 hours by default, from the rollups', async () => {
      const { body } = await stack.api.request().get(`/v1/targets/${id}/stats`).expect(200);
      expect(body).toMatchObject({ from: new Date(thisHour + HOUR - DAY).toISOString(), probes: 10, down: 1, degraded: 0, missed: 1 });
      // 8 up of 9 judged: the missed slot counts neither way.
      expect(body.uptimePercent).toBe(88.888);
      expect(body.latency).toMatchObject({ count: 8, meanMs: 45, minMs: 10, maxMs: 80 });
      for (const [p, exact] of [
        ['p50Ms', 40],
        ['p95Ms', 80],
        ['p99Ms', 80],
      ] as const) {
        expect(Math.abs(body.latency[p] - exact)).toBeLessThanOrEqual(exact * 0.0905 + 0.5);
      }
    });

    it.each([
      ['range=7d', 15, 2],
      ['range=30d', 15, 2],
      ['range=90d', 18, 2],
    ])('counts %s of hours and whole days alike', async (query, probes, down) => {
      const { body } = await stack.api.request().get(`/v1/targets/${id}/stats?${query}`).expect(200);
      expect(body).toMatchObject({ probes, down, degraded: 4 });
    });

    it('counts a custom range by the whole UTC hours it overlaps', async () => {
      const from = new Date(thisHour - 3 * DAY + 30 * 60_000).toISOString();
      const to = new Date(thisHour - 3 * DAY + 40 * 60_000).toISOString();
      const { body } = await stack.api.request().get(`/v1/targets/${id}/stats?from=${from}&to=${to}`).expect(200);
      expect(body).toMatchObject({
        from: new Date(thisHour - 3 * DAY).toISOString(),
        to: new Date(thisHour - 3 * DAY + HOUR).toISOString(),
        probes: 5,
        uptimePercent: 80,
        latency: { count: 4, minMs: 200, maxMs: 200, p50Ms: 200 },
      });
    });

    it('has no uptime for a range without results, rather than 0 or 100 %', async () => {
      const { body } = await stack.api.request().get(`/v1/targets/${id}/stats?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z`).expect(200);
      expect(body).toMatchObject({ probes: 0, uptimePercent: null, latency: { count: 0, p50Ms: null, meanMs: null } });
    });
  });

  describe('refuses malformed queries with a 400 naming the parameter', () => {
    let id: string;
    beforeAll(async () => {
      id = await addTarget();
    });

    it.each([
      ['results', 'limit=0', 'limit'],
      ['results', 'limit=201', 'limit'],
      ['results', 'limit=many', 'limit'],
      ['results', 'from=yesterday', 'from'],
      ['results', 'from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 'to'],
      ['results', 'cursor=bm90IGEgY3Vyc29y', 'cursor'],
      ['flips', 'to=2026-13-01T00:00:00Z', 'to'],
      ['flips', 'sort=asc', 'sort'],
      ['stats', 'range=1y', 'range'],
      ['stats', 'range=24h&from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z', 'range'],
      ['stats', 'from=2026-03-01T00:00:00Z', 'to'],
      ['stats', 'to=2026-03-01T00:00:00Z', 'from'],
      ['stats', 'from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 'to'],
      ['stats', 'from=2020-01-01T00:00:00Z&to=2026-03-01T00:00:00Z', 'from'],
    ])('%s?%s', async (resource, query, field) => {
      const res = await stack.api.request().get(`/v1/targets/${id}/${resource}?${query}`).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
      expect(res.body.detail).toBe(`invalid query: ${field}`);
    });
  });
});
