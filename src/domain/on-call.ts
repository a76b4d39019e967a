import { handOff, participantOfShift, shiftNumberAt, type Rotation } from './rotation';
import { DAY_MS, zoneClock, type ZoneClock } from './zone-time';

/**
 * Who is on call: one pure function of a schedule, the rotations it names, its overrides and a time range. The API's
 * on-call and shifts answers and the iCalendar feeds all come from `shiftsBetween`.
 *
 * A schedule is rules, each naming a rotation or a user for some weekdays' local time range in the schedule's time
 * zone. Whoever every rule in force names is on call, together (a set, possibly empty). Overrides then change that set
 * for a time range, in the order they were made: `add` alone adds a person, `remove` alone removes one, both replace
 * `remove` by `add` where `remove` would be on call.
 */

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface ScheduleRule {
  /** The days the range starts on. */
  days: readonly Weekday[];
  /** Minutes after local midnight. An end at or before the start ends on the next day (equal: 24 hours later). */
  startMinute: number;
  endMinute: number;
  /** Exactly one of them. */
  rotationId?: string;
  userId?: string;
}

export interface Override {
  start: number;
  end: number;
  add?: string;
  remove?: string;
}

export interface OnCallPlan {
  timeZone: string;
  rules: readonly ScheduleRule[];
  /** Every rotation a rule names, by id. */
  rotations: ReadonlyMap<string, Rotation>;
  /** In the order they were made: a later one applies over an earlier one. */
  overrides: readonly Override[];
}

/** A time range with one set of people on call, sorted by id (empty: nobody). */
export interface Shift {
  start: number;
  end: number;
  userIds: string[];
}

/** Where a list of sorted, non-overlapping intervals stands, read at instants that only grow. */
class IntervalCursor {
  private i = 0;
  constructor(private readonly intervals: readonly { start: number; end: number }[]) {}
  holds(at: number): boolean {
    while (this.i < this.intervals.length && this.intervals[this.i]!.end <= at) this.i++;
    return this.i < this.intervals.length && this.intervals[this.i]!.start <= at;
  }
}

/** Who has a rotation's turn, read at instants that only grow; its hand-offs in the range are boundaries. */
class RotationCursor {
  readonly handOffs: number[] = [];
  private k: number;
  private next = 0;
  constructor(
    private readonly rotation: Rotation,
    clock: ZoneClock,
    from: number,
    to: number,
  ) {
    this.k = shiftNumberAt(rotation, clock, from);
    const first = Math.max(this.k + 1, 0);
    // Hand-offs that fall together (a skipped wall-clock hour) are all listed: each passes a turn.
    for (let k = first, at = handOff(rotation, clock, k); at < to; at = handOff(rotation, clock, ++k)) if (at > from) this.handOffs.push(at);
  }
  at(instant: number): string | undefined {
    while (this.next < this.handOffs.length && this.handOffs[this.next]! <= instant) {
      this.next++;
      this.k++;
    }
    return participantOfShift(this.rotation, this.k);
  }
}

/** The instants each rule is in force over [from, to), in the schedule's zone. */
function ruleIntervals(rule: ScheduleRule, clock: ZoneClock, from: number, to: number): { start: number; end: number }[] {
  const intervals: { start: number; end: number }[] = [];
  // From the day before: a range that starts then may run past midnight into the range.
  const lastDay = Math.floor(clock.localOf(to) / DAY_MS);
  for (let day = Math.floor(clock.localOf(from) / DAY_MS) - 1; day <= lastDay; day++) {
    // Day 0 (1970-01-01) was a Thursday.
    if (!rule.days.includes(WEEKDAYS[(day + 4) % 7]!)) continue;
    const endDay = rule.endMinute <= rule.startMinute ? day + 1 : day;
    const start = clock.instantOf(day * DAY_MS + rule.startMinute * 60_000);
    const end = clock.instantOf(endDay * DAY_MS + rule.endMinute * 60_000);
    if (end > start && end > from && start < to) intervals.push({ start, end });
  }
  return intervals;
}

/**
 * The shifts of [from, to): consecutive ranges that tile it exactly, each with the set of people on call, a new one
 * wherever that set changes (and only there). Costs a step per boundary (rule edges, hand-offs, override edges), not
 * per minute.
 */
export function shiftsBetween(plan: OnCallPlan, from: number, to: number): Shift[] {
  if (!(to > from)) return [];
  const clocks = new Map<string, ZoneClock>();
  const clockOf = (zone: string) => {
    const known = clocks.get(zone);
    if (known) return known;
    const clock = zoneClock(zone);
    clocks.set(zone, clock);
    return clock;
  };
  const boundaries = [from];
  const rules = plan.rules.map((rule) => {
    const intervals = ruleIntervals(rule, clockOf(plan.timeZone), from, to);
    for (const { start, end } of intervals) boundaries.push(start, end);
    return { rule, inForce: new IntervalCursor(intervals) };
  });
  const rotations = new Map<string, RotationCursor>();
  for (const { rule } of rules) {
    const rotation = rule.rotationId === undefined ? undefined : plan.rotations.get(rule.rotationId);
    if (!rotation || rotations.has(rotation.id)) continue;
    const cursor = new RotationCursor(rotation, clockOf(rotation.timeZone), from, to);
    rotations.set(rotation.id, cursor);
    boundaries.push(...cursor.handOffs);
  }
  for (const { start, end } of plan.overrides) boundaries.push(start, end);
  const instants = [...new Set(boundaries.filter((b) => b >= from && b < to))].sort((a, b) => a - b);

  const shifts: Shift[] = [];
  for (const [i, start] of instants.entries()) {
    const onCall = new Set<string>();
    for (const { rule, inForce } of rules) {
      if (!inForce.holds(start)) continue;
      const who = rule.userId ?? (rule.rotationId === undefined ? undefined : rotations.get(rule.rotationId)?.at(start));
      if (who !== undefined) onCall.add(who);
    }
    for (const { start: s, end: e, add, remove } of plan.overrides) {
      if (start < s || start >= e) continue;
      if (remove !== undefined) {
        const removed = onCall.delete(remove);
        if (add !== undefined && removed) onCall.add(add);
      } else if (add !== undefined) onCall.add(add);
    }
    const userIds = [...onCall].sort();
    const end = instants[i + 1] ?? to;
    const last = shifts[shifts.length - 1];
    if (last && last.userIds.join() === userIds.join()) last.end = end;
    else shifts.push({ start, end, userIds });
  }
  return shifts;
}

/** Who is on call at an instant, sorted by id. */
export const onCallAt = (plan: OnCallPlan, at: number): string[] => shiftsBetween(plan, at, at + 1)[0]!.userIds;
