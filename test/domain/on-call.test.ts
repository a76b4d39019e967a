import fc from 'fast-check';
import { onCallAt, shiftsBetween, WEEKDAYS, type OnCallPlan, type Override, type ScheduleRule } from '../../src/domain/on-call';
import { handOff, type Rotation } from '../../src/domain/rotation';
import { DAY_MS, SHIFT_UNITS, zoneClock } from '../../src/domain/zone-time';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000', '');
const HOUR = 3_600_000;
const EVERY_DAY = WEEKDAYS;
const hhmm = (text: string) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3));

function rotation(fields: Partial<Rotation> & Pick<Rotation, 'timeZone' | 'start'>): Rotation {
  return { id: 'rot_a', shiftLength: 1, shiftUnit: 'days', participants: ['ann', 'bob'], turnOffset: 0, ...fields };
}

/** A schedule that is just the rotation, all day every day, in its zone. */
const alwaysThe = (rot: Rotation, overrides: Override[] = []): OnCallPlan => ({
  timeZone: rot.timeZone,
  rules: [{ days: EVERY_DAY, startMinute: 0, endMinute: 0, rotationId: rot.id }],
  rotations: new Map([[rot.id, rot]]),
  overrides,
});

const shiftsAsText = (plan: OnCallPlan, from: string, to: string) =>
  shiftsBetween(plan, at(from), at(to)).map((s) => `${iso(s.start)} ${iso(s.end)} ${s.userIds.join('+') || 'nobody'}`);

describe('a rotation hands off at the same local wall-clock time across DST changes', () => {
  it('daily at 09:00 Europe/Berlin: at 09:00 CET before spring forward and 09:00 CEST after, so that shift is 23 hours', () => {
    const berlin = rotation({ timeZone: 'Europe/Berlin', start: at('2026-03-27T08:00:00Z') });
    expect(shiftsAsText(alwaysThe(berlin), '2026-03-27T08:00:00Z', '2026-03-31T07:00:00Z')).toEqual([
      '2026-03-27T08:00:00Z 2026-03-28T08:00:00Z ann',
      '2026-03-28T08:00:00Z 2026-03-29T07:00:00Z bob',
      '2026-03-29T07:00:00Z 2026-03-30T07:00:00Z ann',
      '2026-03-30T07:00:00Z 2026-03-31T07:00:00Z bob',
    ]);
  });

  it('daily at 09:00 Europe/Berlin: the shift over the fall-back night is 25 hours', () => {
    const berlin = rotation({ timeZone: 'Europe/Berlin', start: at('2026-10-23T07:00:00Z') });
    expect(shiftsAsText(alwaysThe(berlin), '2026-10-23T07:00:00Z', '2026-10-26T08:00:00Z')).toEqual([
      '2026-10-23T07:00:00Z 2026-10-24T07:00:00Z ann',
      '2026-10-24T07:00:00Z 2026-10-25T08:00:00Z bob',
      '2026-10-25T08:00:00Z 2026-10-26T08:00:00Z ann',
    ]);
  });

  it('twelve-hourly at 08:00 and 20:00 America/New_York: the spring-forward night shift is 11 hours, the fall-back one 13', () => {
    const newYork = rotation({ timeZone: 'America/New_York', shiftLength: 12, shiftUnit: 'hours', start: at('2026-03-07T13:00:00Z') });
    expect(shiftsAsText(alwaysThe(newYork), '2026-03-07T13:00:00Z', '2026-03-08T12:00:00Z')).toEqual([
      '2026-03-07T13:00:00Z 2026-03-08T01:00:00Z ann',
      '2026-03-08T01:00:00Z 2026-03-08T12:00:00Z bob',
    ]);
    expect(shiftsAsText(alwaysThe(newYork), '2026-10-31T12:00:00Z', '2026-11-01T13:00:00Z')).toEqual([
      '2026-10-31T12:00:00Z 2026-11-01T00:00:00Z ann',
      '2026-11-01T00:00:00Z 2026-11-01T13:00:00Z bob',
    ]);
  });

  it('weekly on Monday 09:00 Australia/Sydney, in the southern spring and autumn', () => {
    // 2026-09-28 09:00 AEST is 2026-09-27T23:00Z; DST starts on 4 October, so the next Monday 09:00 is 22:00Z.
    const sydney = rotation({ timeZone: 'Australia/Sydney', shiftUnit: 'weeks', start: at('2026-09-27T23:00:00Z') });
    const clock = zoneClock('Australia/Sydney');
    expect(iso(handOff(sydney, clock, 1))).toBe('2026-10-04T22:00:00Z');
    // DST ends on 5 April 2027: Monday 29 March 09:00 AEDT, then Monday 5 April 09:00 AEST.
    const k = Math.round((at('2027-03-28T22:00:00Z') - sydney.start) / (7 * DAY_MS));
    expect(iso(handOff(sydney, clock, k))).toBe('2027-03-28T22:00:00Z');
    expect(iso(handOff(sydney, clock, k + 1))).toBe('2027-04-04T23:00:00Z');
  });

  it('a hand-off at a wall-clock time the spring-forward skips happens as late as the gap is long (02:30 → 03:30)', () => {
    const berlin = rotation({ timeZone: 'Europe/Berlin', start: at('2026-03-28T01:30:00Z') });
    expect(iso(handOff(berlin, zoneClock('Europe/Berlin'), 1))).toBe('2026-03-29T01:30:00Z');
    expect(iso(handOff(berlin, zoneClock('Europe/Berlin'), 2))).toBe('2026-03-30T00:30:00Z');
  });

  it('a hand-off at a wall-clock time the fall-back repeats happens at its first occurrence', () => {
    const berlin = rotation({ timeZone: 'Europe/Berlin', start: at('2026-10-24T00:30:00Z') });
    // 02:30 CEST on 25 October is 00:30Z; 02:30 CET would be 01:30Z.
    expect(iso(handOff(berlin, zoneClock('Europe/Berlin'), 1))).toBe('2026-10-25T00:30:00Z');
    expect(iso(handOff(berlin, zoneClock('Europe/Berlin'), 2))).toBe('2026-10-26T01:30:00Z');
  });

  it('an hourly rotation skips the turn of the hour the spring-forward removes', () => {
    const hourly = rotation({ timeZone: 'Europe/Berlin', shiftUnit: 'hours', participants: ['ann', 'bob', 'cat'], start: at('2026-03-28T23:00:00Z') });
    // 00:00 ann, 01:00 bob, 02:00 (does not exist: cat's shift lasts nothing), 03:00 CEST ann.
    expect(shiftsAsText(alwaysThe(hourly), '2026-03-28T23:00:00Z', '2026-03-29T02:00:00Z')).toEqual([
      '2026-03-28T23:00:00Z 2026-03-29T00:00:00Z ann',
      '2026-03-29T00:00:00Z 2026-03-29T01:00:00Z bob',
      '2026-03-29T01:00:00Z 2026-03-29T02:00:00Z ann',
    ]);
  });

  it('nobody is on call in a rotation before its start', () => {
    const later = rotation({ timeZone: 'UTC', start: at('2026-05-01T09:00:00Z') });
    expect(shiftsAsText(alwaysThe(later), '2026-05-01T00:00:00Z', '2026-05-01T10:00:00Z')).toEqual([
      '2026-05-01T00:00:00Z 2026-05-01T09:00:00Z nobody',
      '2026-05-01T09:00:00Z 2026-05-01T10:00:00Z ann',
    ]);
  });
});

describe('instants exactly on a boundary', () => {
  const daily = rotation({ timeZone: 'Europe/Berlin', start: at('2026-03-27T08:00:00Z') });

  it('belong to the shift that begins there, not the one that ends', () => {
    expect(onCallAt(alwaysThe(daily), at('2026-03-29T07:00:00Z'))).toEqual(['ann']);
    expect(onCallAt(alwaysThe(daily), at('2026-03-29T07:00:00Z') - 1)).toEqual(['bob']);
  });

  it('a range that begins on a hand-off starts with the new shift, and one that ends there ends before it', () => {
    expect(shiftsAsText(alwaysThe(daily), '2026-03-28T08:00:00Z', '2026-03-29T07:00:00Z')).toEqual(['2026-03-28T08:00:00Z 2026-03-29T07:00:00Z bob']);
  });

  it('an override that ends where another begins leaves no instant to both or neither', () => {
    const plan = alwaysThe(daily, [
      { start: at('2026-03-28T10:00:00Z'), end: at('2026-03-28T12:00:00Z'), add: 'cat' },
      { start: at('2026-03-28T12:00:00Z'), end: at('2026-03-28T14:00:00Z'), add: 'dan' },
    ]);
    expect(onCallAt(plan, at('2026-03-28T12:00:00Z'))).toEqual(['bob', 'dan']);
    expect(onCallAt(plan, at('2026-03-28T12:00:00Z') - 1)).toEqual(['bob', 'cat']);
  });
});

describe('rules by weekday and local time', () => {
  const business = rotation({
    id: 'rot_day',
    timeZone: 'America/New_York',
    participants: ['ann', 'bob'],
    shiftUnit: 'weeks',
    start: at('2026-03-02T14:00:00Z'),
  });
  const nights = rotation({
    id: 'rot_night',
    timeZone: 'America/New_York',
    participants: ['cat', 'dan'],
    shiftUnit: 'weeks',
    start: at('2026-03-02T14:00:00Z'),
  });
  const weekdays = WEEKDAYS.filter((d) => d !== 'sat' && d !== 'sun');
  const rules: ScheduleRule[] = [
    { days: weekdays, startMinute: hhmm('09:00'), endMinute: hhmm('17:00'), rotationId: 'rot_day' },
    { days: weekdays, startMinute: hhmm('17:00'), endMinute: hhmm('09:00'), rotationId: 'rot_night' },
    { days: ['sat', 'sun'], startMinute: hhmm('09:00'), endMinute: hhmm('09:00'), rotationId: 'rot_night' },
  ];
  const plan: OnCallPlan = { timeZone: 'America/New_York', rules, rotations: new Map([business, nights].map((r) => [r.id, r])), overrides: [] };

  it('business hours go to one rotation, nights and weekends to another, on local time either side of the DST change', () => {
    // Friday 6 March (EST) to Monday 9 March (EDT).
    expect(shiftsAsText(plan, '2026-03-06T12:00:00Z', '2026-03-09T22:00:00Z')).toEqual([
      '2026-03-06T12:00:00Z 2026-03-06T14:00:00Z cat',
      '2026-03-06T14:00:00Z 2026-03-06T22:00:00Z ann',
      // Friday 17:00 EST to Monday 09:00 EDT: the night rule, then the weekend's, then Sunday's into Monday.
      '2026-03-06T22:00:00Z 2026-03-09T13:00:00Z cat',
      '2026-03-09T13:00:00Z 2026-03-09T21:00:00Z bob',
      '2026-03-09T21:00:00Z 2026-03-09T22:00:00Z dan',
    ]);
  });

  it('a rule naming a user puts them on call beside the rotation', () => {
    const withLead: OnCallPlan = { ...plan, rules: [...rules, { days: ['mon'], startMinute: hhmm('10:00'), endMinute: hhmm('11:00'), userId: 'lee' }] };
    expect(onCallAt(withLead, at('2026-03-09T14:30:00Z'))).toEqual(['bob', 'lee']);
    expect(onCallAt(withLead, at('2026-03-09T15:00:00Z'))).toEqual(['bob']);
  });

  it('with no rule in force, nobody is on call', () => {
    const weekdaysOnly: OnCallPlan = { ...plan, rules: rules.slice(0, 1) };
    expect(onCallAt(weekdaysOnly, at('2026-03-07T15:00:00Z'))).toEqual([]);
  });
});

describe('overrides', () => {
  const daily = rotation({ timeZone: 'Europe/Berlin', start: at('2026-06-01T07:00:00Z') });
  const window = (from: string, to: string) => ({ start: at(from), end: at(to) });

  it('replace the person on call for part of a shift, and the shift resumes after', () => {
    const plan = alwaysThe(daily, [{ ...window('2026-06-01T12:00:00Z', '2026-06-01T15:00:00Z'), remove: 'ann', add: 'cat' }]);
    expect(shiftsAsText(plan, '2026-06-01T07:00:00Z', '2026-06-02T07:00:00Z')).toEqual([
      '2026-06-01T07:00:00Z 2026-06-01T12:00:00Z ann',
      '2026-06-01T12:00:00Z 2026-06-01T15:00:00Z cat',
      '2026-06-01T15:00:00Z 2026-06-02T07:00:00Z ann',
    ]);
  });

  it('a replacement spanning a hand-off replaces only the person it names', () => {
    const plan = alwaysThe(daily, [{ ...window('2026-06-02T05:00:00Z', '2026-06-02T09:00:00Z'), remove: 'ann', add: 'cat' }]);
    expect(shiftsAsText(plan, '2026-06-02T00:00:00Z', '2026-06-02T10:00:00Z')).toEqual([
      '2026-06-02T00:00:00Z 2026-06-02T05:00:00Z ann',
      '2026-06-02T05:00:00Z 2026-06-02T07:00:00Z cat',
      '2026-06-02T07:00:00Z 2026-06-02T10:00:00Z bob',
    ]);
  });

  it('add a person beside whoever is on call, and remove one, leaving nobody', () => {
    const plan = alwaysThe(daily, [
      { ...window('2026-06-01T08:00:00Z', '2026-06-01T09:00:00Z'), add: 'cat' },
      { ...window('2026-06-01T10:00:00Z', '2026-06-01T11:00:00Z'), remove: 'ann' },
    ]);
    expect(onCallAt(plan, at('2026-06-01T08:30:00Z'))).toEqual(['ann', 'cat']);
    expect(onCallAt(plan, at('2026-06-01T10:30:00Z'))).toEqual([]);
  });

  it('that overlap apply in the order they were made: a later replacement of the replacement wins', () => {
    const plan = alwaysThe(daily, [
      { ...window('2026-06-01T10:00:00Z', '2026-06-01T14:00:00Z'), remove: 'ann', add: 'cat' },
      { ...window('2026-06-01T12:00:00Z', '2026-06-01T16:00:00Z'), remove: 'cat', add: 'dan' },
    ]);
    expect(shiftsAsText(plan, '2026-06-01T09:00:00Z', '2026-06-01T17:00:00Z')).toEqual([
      '2026-06-01T09:00:00Z 2026-06-01T10:00:00Z ann',
      '2026-06-01T10:00:00Z 2026-06-01T12:00:00Z cat',
      // From 14:00 the first override is over, so ann is back and nobody named cat is there to replace.
      '2026-06-01T12:00:00Z 2026-06-01T14:00:00Z dan',
      '2026-06-01T14:00:00Z 2026-06-01T17:00:00Z ann',
    ]);
  });

  it('a replacement of someone not on call changes nothing', () => {
    const plan = alwaysThe(daily, [{ ...window('2026-06-01T10:00:00Z', '2026-06-01T14:00:00Z'), remove: 'bob', add: 'cat' }]);
    expect(shiftsAsText(plan, '2026-06-01T09:00:00Z', '2026-06-01T17:00:00Z')).toEqual(['2026-06-01T09:00:00Z 2026-06-01T17:00:00Z ann']);
  });

  it('add someone when no rule is in force', () => {
    const plan: OnCallPlan = {
      timeZone: 'UTC',
      rules: [],
      rotations: new Map(),
      overrides: [{ ...window('2026-06-01T10:00:00Z', '2026-06-01T11:00:00Z'), add: 'cat' }],
    };
    expect(shiftsAsText(plan, '2026-06-01T09:00:00Z', '2026-06-01T12:00:00Z')).toEqual([
      '2026-06-01T09:00:00Z 2026-06-01T10:00:00Z nobody',
      '2026-06-01T10:00:00Z 2026-06-01T11:00:00Z cat',
      '2026-06-01T11:00:00Z 2026-06-01T12:00:00Z nobody',
    ]);
  });
});

describe('the shifts of any range', () => {
  const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];
  const people = ['ann', 'bob', 'cat', 'dan'];
  // 2026-2027: both DST changes of every zone above, twice.
  const instant = fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2028-01-01T00:00:00Z') });
  const rotations = fc.array(
    fc.record({
      timeZone: fc.constantFrom(...zones),
      shiftLength: fc.integer({ min: 1, max: 36 }),
      shiftUnit: fc.constantFrom(...SHIFT_UNITS),
      start: instant.map((ms) => ms - (ms % 60_000)),
      participants: fc.array(fc.constantFrom(...people), { minLength: 1, maxLength: 4 }),
      turnOffset: fc.nat(3),
    }),
    { minLength: 1, maxLength: 3 },
  );
  const plans = rotations.chain((rots) => {
    const withIds = rots.map((r, i) => ({ ...r, id: `rot_${i}` }));
    const rule = fc.record({
      days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
      startMinute: fc.integer({ min: 0, max: 1439 }),
      endMinute: fc.integer({ min: 0, max: 1439 }),
      target: fc.oneof(fc.constantFrom(...withIds.map((r) => ({ rotationId: r.id }))), fc.constantFrom(...people.map((userId) => ({ userId })))),
    });
    const override = fc
      .record({
        start: instant,
        hours: fc.integer({ min: 1, max: 24 * 14 }),
        add: fc.option(fc.constantFrom(...people), { nil: undefined }),
        remove: fc.option(fc.constantFrom(...people), { nil: undefined }),
      })
      .map(({ start, hours, ...who }) => ({ start, end: start + hours * HOUR, ...who }));
    return fc.record({
      timeZone: fc.constantFrom(...zones),
      rules: fc.array(rule, { maxLength: 4 }).map((rs) => rs.map(({ target, ...r }) => ({ ...r, ...target }))),
      rotations: fc.constant(new Map(withIds.map((r) => [r.id, r]))),
      overrides: fc.array(override, { maxLength: 6 }),
    });
  });
  const ranges = fc.tuple(instant, fc.integer({ min: 1, max: 60 * DAY_MS })).map(([from, length]) => ({ from, to: from + length }));

  it('tile it: they start at its start, end at its end, each where the one before ends, none empty', () => {
    fc.assert(
      fc.property(plans, ranges, (plan, { from, to }) => {
        const shifts = shiftsBetween(plan, from, to);
        expect(shifts[0]!.start).toBe(from);
        expect(shifts[shifts.length - 1]!.end).toBe(to);
        for (const [i, shift] of shifts.entries()) {
          expect(shift.end).toBeGreaterThan(shift.start);
          if (i > 0) expect(shift.start).toBe(shifts[i - 1]!.end);
          // A new shift only where who is on call changes.
          if (i > 0) expect(shift.userIds).not.toEqual(shifts[i - 1]!.userIds);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('agree with who is on call at any instant of them, whatever range that instant was asked in', () => {
    fc.assert(
      fc.property(plans, ranges, fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (plan, { from, to }, where) => {
        const moment = Math.min(to - 1, from + Math.floor(where * (to - from)));
        const shift = shiftsBetween(plan, from, to).find((s) => s.start <= moment && moment < s.end)!;
        expect(onCallAt(plan, moment)).toEqual(shift.userIds);
      }),
      { numRuns: 300 },
    );
  });

  it('hand off, for a rotation of days or weeks, at its start wall-clock time wherever that time exists', () => {
    fc.assert(
      fc.property(rotations, fc.integer({ min: 0, max: 400 }), ([r], k) => {
        const rot = { ...r!, id: 'rot_0', shiftUnit: 'days' as const };
        const clock = zoneClock(rot.timeZone);
        const wallClock = (ms: number) => clock.localOf(ms) % DAY_MS;
        const handed = handOff(rot, clock, k);
        const wanted = wallClock(rot.start);
        // Where a DST change skipped the time, it happens as late as the gap is long: within 2 hours after it.
        const late = (wallClock(handed) - wanted + DAY_MS) % DAY_MS;
        expect(late === 0 || (clock.offsetAt(handed) !== clock.offsetAt(handed - DAY_MS) && late <= 2 * HOUR)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
