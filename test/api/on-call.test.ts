import request from 'supertest';
import { useStack } from '../support/stack';

// ical.js is an ES module with a CommonJS build for require(); its types are the module's.
type Ical = typeof import('ical.js', { with: { 'resolution-mode': 'import' }}).default;
const ICAL: Ical = require('ical.js');

const DAY = 86_400_000;

describe('rotations, schedules and who is on call', () => {
  const stack = useStack({ api: true });
  const users: Record<'ann' | 'bob' | 'cat' | 'dan', string> = { ann: '', bob: '', cat: '', dan: '' };
  const count = async (table: string) => (await stack.db.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;
  const names = (people: { name: string }[]) => people.map((p) => p.name);

  beforeAll(async () => {
    for (const name of Object.keys(users) as (keyof typeof users)[]) {
      const { body } = await stack.api
        .request()
        .post('/v1/users')
        .send({ name, email: `${name}@example.com`, timeZone: 'Europe/Berlin' })
        .expect(201);
      users[name] = body.id;
    }
  });

  const rotation = (fields: Record<string, unknown>) =>
    stack.api
      .request()
      .post('/v1/rotations')
      .send({
        name: 'rota',
        timeZone: 'Europe/Berlin',
        shiftLength: 1,
        shiftUnit: 'days',
        start: '2026-03-02T08:00:00Z',
        participants: [users.ann, users.bob],
        ...fields,
      });

  describe('a rotation', () => {
    it('hands off daily at 09:00 Berlin time on both sides of the spring-forward', async () => {
      const { body: rot } = await rotation({}).expect(201);
      const { body: schedule } = await stack.api
        .request()
        .post('/v1/schedules')
        .send({
          name: 'always',
          timeZone: 'Europe/Berlin',
          rules: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '00:00', rotationId: rot.id }],
        })
        .expect(201);
      const { body } = await stack.api.request().get(`/v1/schedules/${schedule.id}/shifts?from=2026-03-28T08:00:00Z&to=2026-03-30T07:00:00Z`).expect(200);
      expect(body.data.map((s: { start: string; end: string; users: { name: string }[] }) => [s.start, s.end, names(s.users)])).toEqual([
        // 26 days after the start: ann's turn, then bob's.
        ['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', ['ann']],
        ['2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z', ['bob']],
      ]);
    });

    it('keeps the person on call when participants are reordered and added, unless told who takes over', async () => {
      const start = new Date(Date.now() - 1.5 * DAY).toISOString();
      const { body: rot } = await rotation({ start, participants: [users.ann, users.bob, users.cat] }).expect(201);
      expect(rot.onCallNow.userId).toBe(users.bob);
      const reordered = await stack.api
        .request()
        .patch(`/v1/rotations/${rot.id}`)
        .send({ participants: [users.cat, users.dan, users.ann, users.bob] })
        .expect(200);
      expect(reordered.body.onCallNow).toEqual(rot.onCallNow);
      expect(reordered.body.participants).toEqual([users.cat, users.dan, users.ann, users.bob]);
      const handedOver = await stack.api.request().patch(`/v1/rotations/${rot.id}`).send({ onCallNow: users.dan }).expect(200);
      expect(handedOver.body.onCallNow).toMatchObject({ userId: users.dan, shiftStart: rot.onCallNow.shiftStart });
    });

    it('refuses to hand the shift to someone not in it, naming onCallNow, and changes nothing', async () => {
      const { body: rot } = await rotation({ start: new Date(Date.now() - DAY / 2).toISOString() }).expect(201);
      const res = await stack.api
        .request()
        .patch(`/v1/rotations/${rot.id}`)
        .send({ participants: [users.bob, users.ann], onCallNow: users.cat })
        .expect(400);
      expect(res.body.errors).toEqual([{ field: 'onCallNow', message: 'not a participant of the rotation' }]);
      expect((await stack.api.request().get(`/v1/rotations/${rot.id}`).expect(200)).body).toEqual(rot);
    });

    it.each([
      ['an unknown time zone', { timeZone: 'Europe/Atlantis' }, 400, 'timeZone'],
      ['a shift length of 0', { shiftLength: 0 }, 400, 'shiftLength'],
      ['an unknown shift unit', { shiftUnit: 'months' }, 400, 'shiftUnit'],
      ['a start without a time zone offset', { start: '2026-03-02T09:00:00' }, 400, 'start'],
      ['no participants', { participants: [] }, 400, 'participants'],
      ['a participant who is not a user', { participants: ['usr_01M8B7Z5CFY505SXTDD14RPC6R'] }, 422, 'participants.0'],
    ])('refuses %s, naming the field, and stores nothing', async (_case, fields, status, field) => {
      const [rotations, participants] = [await count('rotations'), await count('rotation_participants')];
      const res = await rotation(fields)
        .expect(status)
        .expect('Content-Type', /application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
      expect([await count('rotations'), await count('rotation_participants')]).toEqual([rotations, participants]);
    });
  });

  describe('a schedule', () => {
    let day: string;
    let night: string;
    let schedule: string;
    const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'];

    beforeAll(async () => {
      // Weekly from Monday 2 March 2026, 09:00 New York time.
      const weekly = { timeZone: 'America/New_York', shiftUnit: 'weeks', start: '2026-03-02T14:00:00Z' };
      day = (await rotation({ ...weekly, name: 'day', participants: [users.ann, users.bob] }).expect(201)).body.id;
      night = (await rotation({ ...weekly, name: 'night', participants: [users.cat, users.dan] }).expect(201)).body.id;
      const created = await stack.api
        .request()
        .post('/v1/schedules')
        .send({
          name: 'Support',
          timeZone: 'America/New_York',
          rules: [
            { days: weekdays, start: '09:00', end: '17:00', rotationId: day },
            { days: weekdays, start: '17:00', end: '09:00', rotationId: night },
            { days: ['sat', 'sun'], start: '09:00', end: '09:00', rotationId: night },
          ],
        })
        .expect(201);
      schedule = created.body.id;
      expect(created.body.rules[1]).toEqual({ days: weekdays, start: '17:00', end: '09:00', rotationId: night });
    });

    const onCall = async (at: string, key?: string) => (await stack.api.request(key).get(`/v1/schedules/${schedule}/on-call?at=${at}`).expect(200)).body;

    it('answers who is on call: business hours from one rotation, nights and weekends from the other, in local time', async () => {
      expect(await onCall('2026-03-06T15:00:00Z')).toEqual({
        at: '2026-03-06T15:00:00.000Z',
        users: [{ id: users.ann, name: 'ann', email: 'ann@example.com' }],
        until: '2026-03-06T22:00:00.000Z',
      });
      // Saturday, then Monday after the spring-forward: 09:00 EDT is 13:00Z.
      expect(names((await onCall('2026-03-07T15:00:00Z')).users)).toEqual(['cat']);
      expect(names((await onCall('2026-03-09T12:59:59Z')).users)).toEqual(['cat']);
      expect(names((await onCall('2026-03-09T13:00:00Z')).users)).toEqual(['bob']);
    });

    it('applies an override replacing the person on call, and forgets it once deleted', async () => {
      const responder = await stack.api.createKey('responder');
      const { body: override } = await stack.api
        .request(responder)
        .post(`/v1/schedules/${schedule}/overrides`)
        .send({ start: '2026-03-10T15:00:00Z', end: '2026-03-10T18:00:00Z', remove: users.bob, add: users.dan })
        .expect(201);
      expect(override).toMatchObject({ id: expect.stringMatching(/^ovr_/), add: users.dan, remove: users.bob, start: '2026-03-10T15:00:00.000Z' });
      const { body } = await stack.api.request().get(`/v1/schedules/${schedule}/shifts?from=2026-03-10T13:00:00Z&to=2026-03-10T22:00:00Z`).expect(200);
      expect(body.data.map((s: { start: string; users: { name: string }[] }) => [s.start, names(s.users)])).toEqual([
        ['2026-03-10T13:00:00.000Z', ['bob']],
        ['2026-03-10T15:00:00.000Z', ['dan']],
        ['2026-03-10T18:00:00.000Z', ['bob']],
        ['2026-03-10T21:00:00.000Z', ['dan']],
      ]);
      const listed = await stack.api.request().get(`/v1/schedules/${schedule}/overrides`).expect(200);
      expect(listed.body.data.map((o: { id: string }) => o.id)).toEqual([override.id]);
      await stack.api.request(responder).delete(`/v1/schedules/${schedule}/overrides/${override.id}`).expect(204);
      expect(names((await onCall('2026-03-10T16:00:00Z')).users)).toEqual(['bob']);
    });

    it('answers viewers, and takes overrides from responders only', async () => {
      const viewer = await stack.api.createKey('viewer');
      expect(names((await onCall('2026-03-06T15:00:00Z', viewer)).users)).toEqual(['ann']);
      await stack.api
        .request(viewer)
        .post(`/v1/schedules/${schedule}/overrides`)
        .send({ start: '2026-03-10T15:00:00Z', end: '2026-03-10T18:00:00Z', add: users.dan })
        .expect(403);
    });

    it.each([
      ['an unknown time zone', { name: 's', timeZone: 'Moon/Base' }, 400, 'timeZone'],
      [
        'a local time that is not one',
        { name: 's', timeZone: 'UTC', rules: [{ days: ['mon'], start: '24:00', end: '08:00', userId: 'usr_01M8B7Z5CFY505SXTDD14RPC6R' }] },
        400,
        'rules.0.start',
      ],
      [
        'a rule naming a missing rotation',
        { name: 's', timeZone: 'UTC', rules: [{ days: ['mon'], start: '09:00', end: '17:00', rotationId: 'rot_01M8B7Z5CFY505SXTDD14RPC6R' }] },
        422,
        'rules.0.rotationId',
      ],
      [
        'a rule naming a missing user',
        { name: 's', timeZone: 'UTC', rules: [{ days: ['mon'], start: '09:00', end: '17:00', userId: 'usr_01M8B7Z5CFY505SXTDD14RPC6R' }] },
        422,
        'rules.0.userId',
      ],
    ])('refuses %s, naming the field, and stores nothing', async (_case, body, status, field) => {
      const [schedules, rules] = [await count('schedules'), await count('schedule_rules')];
      const res = await stack.api
        .request()
        .post('/v1/schedules')
        .send(body)
        .expect(status)
        .expect('Content-Type', /application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
      expect([await count('schedules'), await count('schedule_rules')]).toEqual([schedules, rules]);
    });

    it('refuses a change of rules naming a missing rotation and keeps the rules it had', async () => {
      const before = (await stack.api.request().get(`/v1/schedules/${schedule}`).expect(200)).body;
      const res = await stack.api
        .request()
        .patch(`/v1/schedules/${schedule}`)
        .send({ name: 'renamed', rules: [{ days: ['mon'], start: '09:00', end: '17:00', rotationId: 'rot_01M8B7Z5CFY505SXTDD14RPC6R' }] })
        .expect(422);
      expect(res.body.errors).toEqual([{ field: 'rules.0.rotationId', message: 'no rotation rot_01M8B7Z5CFY505SXTDD14RPC6R' }]);
      expect((await stack.api.request().get(`/v1/schedules/${schedule}`).expect(200)).body).toEqual(before);
    });

    it.each([
      ['an override ending before it starts', () => ({ start: '2026-03-10T18:00:00Z', end: '2026-03-10T15:00:00Z', add: users.ann }), 400, 'end'],
      ['an override naming nobody', () => ({ start: '2026-03-10T15:00:00Z', end: '2026-03-10T18:00:00Z' }), 400, '(root)'],
      [
        'an override adding a missing user',
        () => ({ start: '2026-03-10T15:00:00Z', end: '2026-03-10T18:00:00Z', add: 'usr_01M8B7Z5CFY505SXTDD14RPC6R' }),
        422,
        'add',
      ],
    ])('refuses %s, naming the field, and stores nothing', async (_case, body, status, field) => {
      const before = await count('schedule_overrides');
      const res = await stack.api.request().post(`/v1/schedules/${schedule}/overrides`).send(body()).expect(status);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
      expect(await count('schedule_overrides')).toBe(before);
    });

    it('refuses a shifts range that ends before it starts or is too long, naming `to`', async () => {
      for (const query of ['from=2026-03-10T00:00:00Z&to=2026-03-09T00:00:00Z', 'from=2026-01-01T00:00:00Z&to=2027-06-01T00:00:00Z']) {
        const res = await stack.api.request().get(`/v1/schedules/${schedule}/shifts?${query}`).expect(400);
        expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['to']);
      }
    });

    it('refuses to delete a rotation the schedule names, naming the schedule', async () => {
      const res = await stack.api.request().delete(`/v1/rotations/${day}`).expect(409);
      expect(res.body.detail).toContain(schedule);
    });

    describe('as an iCalendar feed', () => {
      const events = (text: string) =>
        new ICAL.Component(ICAL.parse(text)).getAllSubcomponents('vevent').map((v) => {
          const event = new ICAL.Event(v);
          return { uid: event.uid, start: event.startDate.toJSDate().getTime(), end: event.endDate.toJSDate().getTime(), summary: event.summary };
        });

      it("lists the schedule's shifts, read without a key through the URL's token, which can be replaced and stopped", async () => {
        const responder = await stack.api.createKey('responder');
        const { body: feed } = await stack.api.request(responder).post(`/v1/schedules/${schedule}/calendar-feed`).expect(201);
        expect(feed.url).toMatch(/^\/v1\/public\/calendars\/cal_[A-Za-z0-9_-]{43}$/);
        const res = await request(stack.api.url)
          .get(feed.url)
          .expect(200)
          .expect('Content-Type', /text\/calendar/);
        const parsed = events(res.text);
        const from = Date.now() - 30 * DAY;
        const { body: shifts } = await stack.api
          .request()
          .get(`/v1/schedules/${schedule}/shifts?from=${new Date(from).toISOString()}&to=${new Date(from + 30 * DAY).toISOString()}`)
          .expect(200);
        // Every shift of the past month with someone on call is an event, with their names, on the same instants.
        const expected = shifts.data
          .filter((s: { users: unknown[] }) => s.users.length > 0)
          .slice(1, -1)
          .map((s: { start: string; end: string; users: { name: string }[] }) => ({
            start: Date.parse(s.start),
            end: Date.parse(s.end),
            summary: `On call: ${names(s.users).join(', ')}`,
          }));
        expect(expected.length).toBeGreaterThan(20);
        expect(parsed).toEqual(expect.arrayContaining(expected.map((e: object) => expect.objectContaining(e))));
        expect(new Set(parsed.map((e) => e.uid)).size).toBe(parsed.length);

        const { body: again } = await stack.api.request(responder).post(`/v1/schedules/${schedule}/calendar-feed`).expect(201);
        await request(stack.api.url).get(feed.url).expect(404);
        await request(stack.api.url).get(again.url).expect(200);
        await stack.api.request(responder).delete(`/v1/schedules/${schedule}/calendar-feed`).expect(204);
        await request(stack.api.url).get(again.url).expect(404);
      });

      it("lists a user's times on call, one event per unbroken stretch", async () => {
        const { body: feed } = await stack.api.request().post(`/v1/users/${users.cat}/calendar-feed`).expect(201);
        const parsed = events((await request(stack.api.url).get(feed.url).expect(200)).text);
        expect(parsed.length).toBeGreaterThan(5);
        // The first few, which the feed's range does not cut.
        for (const event of parsed.slice(1, 6)) {
          expect(event.summary).toBe('On call: Support');
          // Cat is on call for the whole stretch, and not just before nor just after it.
          const at = async (ms: number) => names((await onCall(new Date(ms).toISOString())).users);
          expect(await at(event.start)).toContain('cat');
          expect(await at(event.end - 1)).toContain('cat');
          expect(await at(event.end)).not.toContain('cat');
        }
      });
    });
  });
});
