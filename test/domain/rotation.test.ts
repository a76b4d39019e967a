import fc from 'fast-check';
import { participantAt, turnOffsetKeepingOnCall, type Rotation } from '../../src/domain/rotation';
import { zoneClock } from '../../src/domain/zone-time';

const at = (iso: string) => Date.parse(iso);
const berlin = zoneClock('Europe/Berlin');
const clocks = { before: berlin, after: berlin };

// Daily at 09:00 Berlin from Monday 1 June 2026: ann, bob, cat, dan, ann, …; Wednesday 3 June midday is cat's shift.
const daily: Rotation = {
  id: 'rot_a',
  timeZone: 'Europe/Berlin',
  shiftLength: 1,
  shiftUnit: 'days',
  start: at('2026-06-01T07:00:00Z'),
  participants: ['ann', 'bob', 'cat', 'dan'],
  turnOffset: 0,
};
const midShift = at('2026-06-03T12:00:00Z');

/** The rotation as changed at midShift, with the turn offset the change gives it. */
function changed(fields: Partial<Omit<Rotation, 'turnOffset'>>, onCall?: string): Rotation {
  const after = { ...daily, ...fields };
  return { ...after, turnOffset: turnOffsetKeepingOnCall(daily, after, clocks, midShift, onCall) };
}

const whoAt = (rot: Rotation, iso: string) => participantAt(rot, zoneClock(rot.timeZone), at(iso));

describe('a rotation changed in the middle of a shift', () => {
  it('keeps the person on call when someone joins ahead of them, and the turns go on in the new order', () => {
    const rot = changed({ participants: ['eve', 'ann', 'bob', 'cat', 'dan'] });
    expect(whoAt(rot, '2026-06-03T12:00:00Z')).toBe('cat');
    expect(whoAt(rot, '2026-06-04T07:00:00Z')).toBe('dan');
    expect(whoAt(rot, '2026-06-05T07:00:00Z')).toBe('eve');
  });

  it('keeps the person on call when the others are reordered', () => {
    const rot = changed({ participants: ['dan', 'cat', 'bob', 'ann'] });
    expect(whoAt(rot, '2026-06-03T12:00:00Z')).toBe('cat');
    expect(whoAt(rot, '2026-06-04T07:00:00Z')).toBe('bob');
  });

  it('hands the shift to whoever came after the person on call when that person is removed', () => {
    const rot = changed({ participants: ['ann', 'bob', 'dan'] });
    expect(whoAt(rot, '2026-06-03T12:00:00Z')).toBe('dan');
    expect(whoAt(rot, '2026-06-04T07:00:00Z')).toBe('ann');
  });

  it('gives the shift under way to the participant asked for, and the turns go on from them', () => {
    const rot = changed({}, 'ann');
    expect(whoAt(rot, '2026-06-03T12:00:00Z')).toBe('ann');
    expect(whoAt(rot, '2026-06-04T07:00:00Z')).toBe('bob');
  });

  it('keeps the person on call when the shift length changes, and hands off at the new length from the start', () => {
    const rot = changed({ shiftLength: 1, shiftUnit: 'weeks' });
    expect(whoAt(rot, '2026-06-03T12:00:00Z')).toBe('cat');
    expect(whoAt(rot, '2026-06-08T07:00:00Z')).toBe('dan');
  });

  it('keeps the person on call when the time zone changes', () => {
    const after = { ...daily, timeZone: 'America/New_York' };
    const rot = { ...after, turnOffset: turnOffsetKeepingOnCall(daily, after, { before: berlin, after: zoneClock('America/New_York') }, midShift) };
    expect(whoAt(rot, '2026-06-03T12:00:00Z')).toBe('cat');
  });

  it('not yet started, keeps its turns, or gives its first shift to the participant asked for', () => {
    const future = { ...daily, start: at('2026-07-01T07:00:00Z') };
    const reordered = { ...future, participants: ['bob', 'ann', 'cat', 'dan'] };
    expect(whoAt({ ...reordered, turnOffset: turnOffsetKeepingOnCall(future, reordered, clocks, midShift) }, '2026-07-01T08:00:00Z')).toBe('bob');
    expect(whoAt({ ...reordered, turnOffset: turnOffsetKeepingOnCall(future, reordered, clocks, midShift, 'cat') }, '2026-07-01T08:00:00Z')).toBe('cat');
  });

  it('keeps whoever is on call through any change of participants that keeps them', () => {
    const people = ['ann', 'bob', 'cat', 'dan', 'eve'];
    fc.assert(
      fc.property(fc.shuffledSubarray(people, { minLength: 1 }), fc.integer({ min: 0, max: 200 }), (participants, hours) => {
        const when = daily.start + hours * 3_600_000;
        const before = participantAt(daily, berlin, when)!;
        const after = { ...daily, participants: participants.includes(before) ? participants : [...participants, before] };
        const rot = { ...after, turnOffset: turnOffsetKeepingOnCall(daily, after, clocks, when) };
        expect(participantAt(rot, berlin, when)).toBe(before);
      }),
    );
  });
});
