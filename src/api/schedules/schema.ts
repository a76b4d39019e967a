import { z } from 'zod';
import { idSchema } from '../../domain/id';
import { ResourceKeySchema, resourceKeyField } from '../../domain/resource-key';
import { WEEKDAYS, type ScheduleRule } from '../../domain/on-call';
import { trimmedText } from '../../domain/text';
import { timeZoneSchema } from '../../domain/zone-time';
import { pageQueryFields } from '../pagination';

/** Schedules as the API takes and shows them: rules with local times as `HH:MM`. */

const timestamp = z.iso.datetime({ offset: true });
const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time, HH:MM from 00:00 to 23:59');
const toMinutes = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3));
const toTime = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

export const ruleFields = {
  days: z.array(z.enum(WEEKDAYS)).min(1).max(7).meta({ description: 'The days the range starts on' }),
  start: localTime.meta({ description: "Local time in the schedule's zone" }),
  end: localTime.meta({ description: 'Local time; at or before `start`, it is on the next day (equal: 24 hours)' }),
};
const RuleSchema = z
  .union([
    z.strictObject({ ...ruleFields, rotationId: idSchema('rot', 'a rotation').meta({ description: 'Whoever has its turn is on call' }) }),
    z.strictObject({ ...ruleFields, userId: idSchema('usr', 'a user').meta({ description: 'This person is on call' }) }),
  ])
  .meta({ description: 'A weekly time range naming a rotation or a user' });
type RuleInput = z.infer<typeof RuleSchema>;

export const scheduleFields = {
  name: trimmedText(1, 200),
  key: resourceKeyField,
  timeZone: timeZoneSchema,
  rules: z.array(RuleSchema).max(50).meta({ description: 'Whoever every rule in force names is on call, together' }),
};

export const CreateScheduleBody = z.strictObject({ ...scheduleFields, rules: scheduleFields.rules.default([]) });
export const ChangeScheduleBody = z
  .strictObject({
    name: scheduleFields.name.optional(),
    key: scheduleFields.key,
    timeZone: scheduleFields.timeZone.optional(),
    rules: scheduleFields.rules.optional(),
  })
  .meta({ description: 'The fields to change; `rules` replaces them all' });

export const ListSchedulesQuery = z.strictObject({
  key: ResourceKeySchema.optional().meta({ description: 'Only the schedule of this key.' }),
  ...pageQueryFields,
});

export const ruleOf = ({ days, start, end, ...target }: RuleInput): ScheduleRule => ({
  days,
  startMinute: toMinutes(start),
  endMinute: toMinutes(end),
  ...target,
});

const ruleShown = ({ days, startMinute, endMinute, rotationId, userId }: ScheduleRule) => ({
  days,
  start: toTime(startMinute),
  end: toTime(endMinute),
  ...(rotationId === undefined ? { userId } : { rotationId }),
});

export const ScheduleSchema = z.object({
  id: z.string(),
  key: z.string().nullable().meta({ description: 'The stable name configuration files give it; null without one' }),
  name: z.string(),
  timeZone: z.string(),
  rules: z.array(
    z.object({
      days: z.array(z.enum(WEEKDAYS)),
      start: z.string(),
      end: z.string(),
      rotationId: z.string().optional(),
      userId: z.string().optional(),
    }),
  ),
  createdAt: timestamp,
  updatedAt: timestamp,
});

/** A schedule as stored (src/db/schedules.ts), as the API shows it; typed by its rules alone, so that this module loads without the database layer. */
export const scheduleShown = <S extends { rules: ScheduleRule[] }>(s: S) => ({ ...s, rules: s.rules.map(ruleShown) });

export const OverrideBody = z
  .strictObject({
    start: timestamp,
    end: timestamp.meta({ 'x-vigil-rule': 'after start' }),
    add: idSchema('usr', 'a user').optional().meta({ description: 'Put on call (in place of `remove`, where `remove` would be on call, if both)' }),
    remove: idSchema('usr', 'a user').optional().meta({ description: 'Take off call' }),
  })
  .refine((o) => o.add !== undefined || o.remove !== undefined, { message: 'give add, remove, or both (a replacement)' })
  .refine((o) => Date.parse(o.end) > Date.parse(o.start), { message: 'must be after start', path: ['end'] })
  .meta({ anyOf: [{ required: ['add'] }, { required: ['remove'] }] });

export const OverrideSchema = z.object({
  id: z.string(),
  scheduleId: z.string(),
  start: timestamp,
  end: timestamp,
  add: z.string().optional(),
  remove: z.string().optional(),
  createdAt: timestamp,
});

const Person = z.object({ id: z.string(), name: z.string(), email: z.string() });
export const OnCallSchema = z.object({
  at: timestamp,
  users: z.array(Person).meta({ description: 'Everyone on call then (empty: nobody), by id' }),
  until: timestamp.nullable().meta({ description: 'When that changes next, if within 31 days' }),
});
export const ShiftsSchema = z.object({
  data: z
    .array(z.object({ start: timestamp, end: timestamp, users: z.array(Person) }))
    .meta({ description: 'Consecutive shifts that tile [from, to): a new one wherever who is on call changes' }),
});
