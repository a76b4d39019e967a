import { IANAZone } from 'luxon';
import { z } from 'zod';

/**
 * Wall-clock time in an IANA time zone, for rotations and schedules. Pure: the zone rules come from the runtime's
 * tz database (through luxon), the same answer for the same input.
 *
 * "Local" times here are epoch-style milliseconds of the wall clock read as if it were UTC, so calendar arithmetic
 * (plus a day, plus a week) is plain addition and never sees a DST change; `instantOf` turns one back into an instant.
 *
 * The rule for wall-clock times that a DST change skips or repeats (the one RFC 5545 gives for iCalendar, and the
 * `compatible` choice of JavaScript's Temporal):
 * - a skipped time (02:30 on a spring-forward night in Europe/Berlin) happens at the instant it would have had with
 *   the offset before the change, that is as late as the gap is long: 03:30 CEST;
 * - a repeated time (02:30 on a fall-back night) happens at its first occurrence, the one with the offset before.
 */

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Whether `zone` names an IANA time zone this runtime knows (`Europe/Berlin`, `UTC`). */
export const isTimeZone = (zone: string): boolean => IANAZone.isValidZone(zone);

export interface ZoneClock {
  /** The zone's UTC offset at an instant, in minutes. */
  offsetAt(instant: number): number;
  /** The wall-clock time at an instant. */
  localOf(instant: number): number;
  /** The instant a wall-clock time happens, by the rule above. */
  instantOf(local: number): number;
}

/** The span over which a zone is taken to change its offset at most once. */
const WEEK_MS = 7 * DAY_MS;

/**
 * A zone's clock, remembering its offsets by week for the life of the clock (one computation): asking the runtime
 * costs microseconds, and a 90-day schedule asks thousands of times. A week whose two ends have the same offset is
 * taken to keep it all week (no zone changes twice within a week: DST suspensions for Ramadan, the shortest in the tz
 * database, last about a month); in a week that changes, the instant of the change is found to the second by bisection.
 */
export function zoneClock(timeZone: string): ZoneClock {
  const zone = IANAZone.create(timeZone);
  if (!zone.isValid) throw new RangeError(`unknown time zone ${timeZone}`);
  const atWeekStart = new Map<number, number>();
  const offsetAtWeekStart = (week: number) => {
    let offset = atWeekStart.get(week);
    if (offset === undefined) {
      offset = zone.offset(week * WEEK_MS);
      atWeekStart.set(week, offset);
    }
    return offset;
  };
  const weeks = new Map<number, { before: number; after: number; changesAt: number }>();
  const weekOf = (week: number) => {
    let known = weeks.get(week);
    if (!known) {
      const before = offsetAtWeekStart(week);
      const after = offsetAtWeekStart(week + 1);
      let changesAt = Number.POSITIVE_INFINITY;
      if (before !== after) {
        // The first second with the new offset: the change lies in (lo, hi].
        let [lo, hi] = [week * WEEK_MS, (week + 1) * WEEK_MS];
        while (hi - lo > 1000) {
          const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
          if (zone.offset(mid) === before) lo = mid;
          else hi = mid;
        }
        changesAt = hi;
      }
      known = { before, after, changesAt };
      weeks.set(week, known);
    }
    return known;
  };
  const offsetAt = (instant: number) => {
    const { before, after, changesAt } = weekOf(Math.floor(instant / WEEK_MS));
    return instant < changesAt ? before : after;
  };
  return {
    offsetAt,
    localOf: (instant) => instant + offsetAt(instant) * 60_000,
    instantOf(local) {
      // The offsets a day either side bound the two a wall-clock time can have.
      const earlier = offsetAt(local - DAY_MS);
      const later = offsetAt(local + DAY_MS);
      const withEarlier = local - earlier * 60_000;
      if (earlier === later) return withEarlier;
      const withLater = local - later * 60_000;
      const earlierFits = offsetAt(withEarlier) === earlier;
      const laterFits = offsetAt(withLater) === later;
      if (earlierFits && laterFits) return Math.min(withEarlier, withLater);
      if (laterFits) return withLater;
      // It fits with the earlier offset, or with neither (a skipped time): the offset before the change.
      return withEarlier;
    },
  };
}

export const SHIFT_UNITS = ['hours', 'days', 'weeks'] as const;
export type ShiftUnit = (typeof SHIFT_UNITS)[number];

/** A shift unit on the wall clock: a day is 24 wall-clock hours, whatever the DST change makes of it. */
export const UNIT_MS: Record<ShiftUnit, number> = { hours: HOUR_MS, days: DAY_MS, weeks: 7 * DAY_MS };

/** A field naming a time zone: the IANA name (`Europe/Berlin`), which the runtime must know. */
export const timeZoneSchema = z
  .string()
  .max(64)
  .refine(isTimeZone, 'not an IANA time zone the server knows, e.g. Europe/Berlin')
  .meta({ description: 'An IANA time zone, e.g. Europe/Berlin or UTC', 'x-vigil-rule': 'an IANA time zone name' });
