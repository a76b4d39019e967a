import { parseArgs } from 'node:util';
import { shiftsBetween, WEEKDAYS, type OnCallPlan, type Override } from '../src/domain/on-call';
import type { Rotation } from '../src/domain/rotation';
import { seeded } from '../test/support/random';

/**
 * `npx tsx bench/on-call.ts [--iterations 500] [--days 90] [--overrides 50]`
 *
 * The on-call computation alone (src/domain/on-call.ts, pure CPU, no database): the shifts of a schedule over `--days`
 * days with 3 rotations in 3 time zones (daily in Europe/Berlin, weekly in America/New_York, 12-hourly in
 * Australia/Sydney), 4 rules (business hours, weeknights, weekends, a lead on Mondays) and `--overrides` overrides of
 * 1 to 48 hours spread over the range (seeded, so every run computes the same), from 1 March 2026: both
 * hemispheres' DST changes fall inside. Each call is what one shifts request or feed computes; the first call is
 * reported apart (it builds the zones' offset tables from nothing, as every call does, but also warms the JIT).
 */
const { values } = parseArgs({
  options: { iterations: { type: 'string', default: '500' }, days: { type: 'string', default: '90' }, overrides: { type: 'string', default: '50' } },
});
const iterations = Number(values.iterations);
const days = Number(values.days);
const overrideCount = Number(values.overrides);

const DAY = 86_400_000;
const from = Date.parse('2026-03-01T00:00:00Z');
const to = from + days * DAY;

const random = seeded(18);
const people = Array.from({ length: 12 }, (_, i) => `usr_${String(i).padStart(2, '0')}`);
const pick = () => people[Math.floor(random() * people.length)]!;

const rotations: Rotation[] = [
  {
    id: 'rot_day',
    timeZone: 'Europe/Berlin',
    shiftLength: 1,
    shiftUnit: 'days',
    start: Date.parse('2026-01-05T08:00:00Z'),
    participants: people.slice(0, 5),
    turnOffset: 0,
  },
  {
    id: 'rot_night',
    timeZone: 'America/New_York',
    shiftLength: 1,
    shiftUnit: 'weeks',
    start: Date.parse('2026-01-05T14:00:00Z'),
    participants: people.slice(5, 9),
    turnOffset: 1,
  },
  {
    id: 'rot_follow',
    timeZone: 'Australia/Sydney',
    shiftLength: 12,
    shiftUnit: 'hours',
    start: Date.parse('2026-01-04T22:00:00Z'),
    participants: people.slice(6),
    turnOffset: 2,
  },
];
const weekdays = WEEKDAYS.filter((d) => d !== 'sat' && d !== 'sun');
const overrides: Override[] = Array.from({ length: overrideCount }, () => {
  const start = from + Math.floor(random() * (to - from));
  const end = start + Math.ceil(random() * 48) * 3_600_000;
  const kind = random();
  return kind < 0.4 ? { start, end, add: pick(), remove: pick() } : kind < 0.7 ? { start, end, add: pick() } : { start, end, remove: pick() };
});
const plan: OnCallPlan = {
  timeZone: 'Europe/Berlin',
  rules: [
    { days: weekdays, startMinute: 9 * 60, endMinute: 17 * 60, rotationId: 'rot_day' },
    { days: weekdays, startMinute: 17 * 60, endMinute: 9 * 60, rotationId: 'rot_night' },
    { days: ['sat', 'sun'], startMinute: 0, endMinute: 0, rotationId: 'rot_follow' },
    { days: ['mon'], startMinute: 10 * 60, endMinute: 12 * 60, userId: people[11] },
  ],
  rotations: new Map(rotations.map((r) => [r.id, r])),
  overrides,
};

const time = () => {
  const started = process.hrtime.bigint();
  const shifts = shiftsBetween(plan, from, to);
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, shifts: shifts.length };
};
const first = time();
const runs = Array.from({ length: iterations }, () => time().ms).sort((a, b) => a - b);
const at = (q: number) => runs[Math.min(runs.length - 1, Math.floor(q * runs.length))]!;
const round = (ms: number) => Math.round(ms * 1000) / 1000;
console.log(
  JSON.stringify({
    days,
    rotations: rotations.length,
    overrides: overrideCount,
    shifts: first.shifts,
    firstCallMs: round(first.ms),
    iterations,
    p50Ms: round(at(0.5)),
    p95Ms: round(at(0.95)),
    maxMs: round(runs[runs.length - 1]!),
    node: process.version,
  }),
);
