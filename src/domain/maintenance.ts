import type { MaintenanceWindow, RecurringWindow } from './target';

/**
 * Maintenance windows: while one is open a target's results are still recorded and judged, but it shows as
 * `maintenance` and opens no incident. One-off windows are two instants; recurring ones repeat weekly at a local time
 * in an IANA time zone, so "Sundays 02:00 Europe/Paris" stays 02:00 across daylight-saving changes. Pure:
 * used by workflow code (Intl is deterministic there), so free of zod (src/domain/target.ts validates windows).
 */
export const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

const DAY_MS = 86_400_000;

/** The zone's offset from UTC (ms) at instant `t`. */
function offsetMs(timeZone: string, t: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(t);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(t / 1000) * 1000;
}

/** UTC instant of a local wall-clock time (the later reading when it occurs twice, the shifted one when skipped). */
function localToUtc(timeZone: string, localAsUtc: number): number {
  const guess = localAsUtc - offsetMs(timeZone, localAsUtc);
  return localAsUtc - offsetMs(timeZone, guess);
}

/** The occurrences of a recurring window that could contain or follow `t`: from a week before to two weeks after. */
function occurrences(w: RecurringWindow, t: number): [number, number][] {
  const [hh, mm] = w.at.split(':').map(Number) as [number, number];
  const localNow = t + offsetMs(w.timeZone, t);
  const localMidnight = Math.floor(localNow / DAY_MS) * DAY_MS;
  const result: [number, number][] = [];
  for (let d = -8; d <= 15; d++) {
    const dayStart = localMidnight + d * DAY_MS;
    if (!w.days.includes(DAYS[new Date(dayStart).getUTCDay()]!)) continue;
    const start = localToUtc(w.timeZone, dayStart + (hh * 60 + mm) * 60_000);
    result.push([start, start + w.durationMinutes * 60_000]);
  }
  return result;
}

function spans(windows: readonly MaintenanceWindow[], t: number): [number, number][] {
  return windows.flatMap((w) => ('days' in w ? occurrences(w, t) : [[Date.parse(w.start), Date.parse(w.end)] as [number, number]]));
}

/** Whether `t` falls in a window, and the next instant after `t` at which that may change (undefined: never). */
export function maintenanceAt(windows: readonly MaintenanceWindow[], t: number): { inside: boolean; nextChange?: number } {
  const all = spans(windows, t);
  const inside = all.some(([s, e]) => s <= t && t < e);
  const boundaries = all.flat().filter((b) => b > t);
  return { inside, nextChange: boundaries.length ? Math.min(...boundaries) : undefined };
}

/**
 * What a status page announces of these windows at `t`: of each, the occurrence going on or the next one starting
 * within `horizonMs`, earliest first. Ongoing and upcoming alike, so a page shows a window before and while it runs.
 */
export function announcedMaintenance(windows: readonly MaintenanceWindow[], t: number, horizonMs: number): { startsAt: number; endsAt: number }[] {
  return windows
    .flatMap((w) => {
      const next = spans([w], t)
        .filter(([s, e]) => e > t && s < t + horizonMs)
        .sort(([a], [b]) => a - b)[0];
      return next ? [{ startsAt: next[0], endsAt: next[1] }] : [];
    })
    .sort((a, b) => a.startsAt - b.startsAt || a.endsAt - b.endsAt);
}
