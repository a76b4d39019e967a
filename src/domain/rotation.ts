import { UNIT_MS, type ShiftUnit, type ZoneClock } from './zone-time';

/**
 * A rotation: its participants take shifts in turn, each `shiftLength` units long, from `start`. Hand-offs happen at
 * the wall-clock time of `start` in the rotation's time zone (zone-time.ts says what happens to a time a DST change
 * skips or repeats): a daily 09:00 Europe/Berlin hand-off is at 09:00 local on both sides of a DST change, so that
 * day's shift is 23 or 25 hours long. Hour-long units count wall-clock hours too: a 12-hour rotation hands off at
 * 09:00 and 21:00 all year; a shift whose hand-offs a DST change makes fall together lasts nothing, and its
 * participant's turn is skipped. Nobody is on call before `start`. Pure.
 */
export interface Rotation {
  id: string;
  timeZone: string;
  shiftLength: number;
  shiftUnit: ShiftUnit;
  /** The first hand-off (epoch ms). */
  start: number;
  /** User ids in turn order; one may appear more than once. */
  participants: readonly string[];
  /**
   * Whose turn shift 0 is: shift k belongs to `participants[(k + turnOffset) mod n]`. It is what an edit changes to
   * keep the person on call on call (`turnOffsetKeepingOnCall`), so the shifts' numbering never moves.
   */
  turnOffset: number;
}

const modulo = (a: number, n: number) => ((a % n) + n) % n;

/** The instant of hand-off k, which begins shift k. */
export function handOff(rotation: Rotation, clock: ZoneClock, k: number): number {
  const step = rotation.shiftLength * UNIT_MS[rotation.shiftUnit];
  return clock.instantOf(clock.localOf(rotation.start) + k * step);
}

/** The number of the shift that holds `at` (shift k is [handOff(k), handOff(k + 1))); negative before `start`. */
export function shiftNumberAt(rotation: Rotation, clock: ZoneClock, at: number): number {
  if (at < rotation.start) return -1;
  const step = rotation.shiftLength * UNIT_MS[rotation.shiftUnit];
  // From the wall-clock estimate, a step or two at most either way (DST moves a hand-off by an hour or so).
  let k = Math.floor((clock.localOf(at) - clock.localOf(rotation.start)) / step);
  while (k > 0 && handOff(rotation, clock, k) > at) k--;
  while (handOff(rotation, clock, k + 1) <= at) k++;
  return k;
}

/** Who has shift k (undefined before the start or without participants). */
export function participantOfShift(rotation: Rotation, k: number): string | undefined {
  const n = rotation.participants.length;
  return k < 0 || n === 0 ? undefined : rotation.participants[modulo(k + rotation.turnOffset, n)];
}

export const participantAt = (rotation: Rotation, clock: ZoneClock, at: number): string | undefined =>
  participantOfShift(rotation, shiftNumberAt(rotation, clock, at));

/**
 * The turn offset a rotation changed at `at` gets, so that whoever is on call then stays on call: the same person if
 * they are still a participant (in the same place in the list if they are there, else their first place), and if they
 * were removed, whoever now holds their place in the list (the one who came after them). `onCall`, a participant of
 * the changed rotation, asks instead for that person to take over the shift under way. A rotation not yet started
 * keeps its turns: its first shift goes to whoever was to have it.
 */
export function turnOffsetKeepingOnCall(
  before: Rotation,
  after: Omit<Rotation, 'turnOffset'>,
  clocks: { before: ZoneClock; after: ZoneClock },
  at: number,
  onCall?: string,
): number {
  const n = after.participants.length;
  if (n === 0) return 0;
  const kBefore = shiftNumberAt(before, clocks.before, at);
  const kAfter = shiftNumberAt({ ...after, turnOffset: 0 }, clocks.after, at);
  const nBefore = before.participants.length;
  if (kAfter < 0 || kBefore < 0 || nBefore === 0) return modulo(onCall ? after.participants.indexOf(onCall) : before.turnOffset, n);
  const place = modulo(kBefore + before.turnOffset, nBefore);
  const wanted = onCall ?? before.participants[place]!;
  const newPlace = after.participants[modulo(place, n)] === wanted ? modulo(place, n) : after.participants.indexOf(wanted);
  return modulo((newPlace >= 0 ? newPlace : place) - kAfter, n);
}
