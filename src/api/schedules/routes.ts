import type { RequestHandler } from 'express';
import { z } from 'zod';
import {
  deleteOverride,
  deleteSchedule,
  findSchedule,
  insertOverride,
  insertSchedule,
  listOverrides,
  listSchedules,
  readOnCallPlan,
  ScheduleKeyTakenError,
  ScheduleInUseError,
  UnknownReferencesError,
  updateSchedule,
} from '../../db/schedules';
import { policiesPaging } from '../../db/escalation';
import { peopleByIds } from '../../db/users';
import { idSchema } from '../../domain/id';
import { shiftsBetween, type Shift } from '../../domain/on-call';
import { isId } from '../../ids';
import type { ApiDeps } from '../deps';
import type { Operation } from '../operations';
import { idCursor, pageQueryFields, pageSchema, sendPage } from '../pagination';
import { Problem, validated } from '../problems';
import {
  ChangeScheduleBody,
  CreateScheduleBody,
  ListSchedulesQuery,
  OnCallSchema,
  OverrideBody,
  OverrideSchema,
  ruleOf,
  ScheduleSchema,
  scheduleShown,
  ShiftsSchema,
} from './schema';

const DAY_MS = 86_400_000;
/** The longest range one shifts request covers: a year and a day. */
export const MAX_SHIFTS_RANGE_DAYS = 366;
/** How far ahead the on-call answer looks for the next change. */
const UNTIL_HORIZON_MS = 31 * DAY_MS;

const timestamp = z.iso.datetime({ offset: true });
const SchedulePath = z.object({ id: idSchema('sch', 'a schedule').meta({ description: 'The schedule id, sch_…' }) });
const OverridePath = SchedulePath.extend({ overrideId: idSchema('ovr', 'an override').meta({ description: 'The override id, ovr_…' }) });
const ListQuery = z.strictObject(pageQueryFields);
const OnCallQuery = z.strictObject({ at: timestamp.optional().meta({ description: 'The instant; now when left out' }) });
const ShiftsQuery = z.strictObject({
  from: timestamp.optional().meta({ description: 'Now when left out' }),
  to: timestamp.optional().meta({
    description: `A week after \`from\` when left out; after \`from\`, at most ${MAX_SHIFTS_RANGE_DAYS} days after it`,
    'x-vigil-rule': `after from, at most ${MAX_SHIFTS_RANGE_DAYS} days after it`,
  }),
});

/** The range a shifts query asks for, in epoch ms; a 400 naming `to` when it is empty or too long. */
function shiftsRange(query: unknown): { from: number; to: number } {
  const { from, to } = validated(ShiftsQuery, query, 'query');
  const start = from === undefined ? Date.now() : Date.parse(from);
  const end = to === undefined ? start + 7 * DAY_MS : Date.parse(to);
  if (!(end > start) || end - start > MAX_SHIFTS_RANGE_DAYS * DAY_MS) {
    const message = `must be after from, at most ${MAX_SHIFTS_RANGE_DAYS} days after it`;
    throw new Problem('invalid-request', 'invalid query: to', { errors: [{ field: 'to', message }] });
  }
  return { from: start, to: end };
}

const scheduleId = (id: string): string => {
  if (!isId('sch', id)) throw new Problem('not-found', `no schedule ${id}`);
  return id;
};

async function storing<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (err instanceof ScheduleKeyTakenError) throw new Problem('conflict', err.message, { errors: [{ field: 'key', message: 'taken by another schedule' }] });
    if (err instanceof UnknownReferencesError) {
      const errors = err.missing.map(({ field, id }) => ({ field, message: `no ${id.startsWith('rot_') ? 'rotation' : 'user'} ${id}` }));
      throw new Problem('unprocessable', err.missing.length > 0 ? err.message : 'a rotation or user was deleted meanwhile', { errors });
    }
    throw err;
  }
}

/** The shifts of a schedule over [from, to), with each person's name and e-mail; undefined when there is no such schedule. */
export async function scheduleShifts(
  deps: ApiDeps,
  id: string,
  from: number,
  to: number,
): Promise<{ shifts: Shift[]; people: Awaited<ReturnType<typeof peopleByIds>> } | undefined> {
  const plan = await readOnCallPlan(deps.pool, id, from, to);
  if (!plan) return undefined;
  const shifts = shiftsBetween(plan, from, to);
  return {
    shifts,
    people: await peopleByIds(
      deps.pool,
      shifts.flatMap((s) => s.userIds),
    ),
  };
}

const peopleOf = (userIds: string[], people: Awaited<ReturnType<typeof peopleByIds>>) => userIds.flatMap((id) => people.get(id) ?? []);

const create =
  (deps: ApiDeps): RequestHandler =>
  async (req, res) => {
    const { rules, ...body } = validated(CreateScheduleBody, req.body);
    const schedule = await storing(insertSchedule(deps.pool, { ...body, key: body.key ?? null, rules: rules.map(ruleOf) }));
    res.status(201).location(`/v1/schedules/${schedule.id}`).json(scheduleShown(schedule));
  };

const list =
  (deps: ApiDeps): RequestHandler =>
  async (req, res) => {
    const { limit, cursor, key } = validated(ListSchedulesQuery, req.query, 'query');
    sendPage(req, res, await listSchedules(deps.pool, { before: cursor, limit: limit + 1, key }), limit, scheduleShown, idCursor);
  };

const get =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const id = scheduleId(req.params.id);
    const schedule = await findSchedule(deps.pool, id);
    if (!schedule) throw new Problem('not-found', `no schedule ${id}`);
    res.json(scheduleShown(schedule));
  };

const update =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const id = scheduleId(req.params.id);
    const { rules, ...body } = validated(ChangeScheduleBody, req.body);
    const schedule = await storing(updateSchedule(deps.pool, id, { ...body, ...(rules === undefined ? {} : { rules: rules.map(ruleOf) }) }));
    if (!schedule) throw new Problem('not-found', `no schedule ${id}`);
    res.json(scheduleShown(schedule));
  };

const remove =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const id = scheduleId(req.params.id);
    try {
      if (!(await deleteSchedule(deps.pool, id))) throw new Problem('not-found', `no schedule ${id}`);
    } catch (err) {
      if (!(err instanceof ScheduleInUseError)) throw err;
      const policies = await policiesPaging(deps.pool, 'schedule', id);
      throw new Problem(
        'conflict',
        `the schedule is paged by escalation policies ${policies.join(', ') || '(one meanwhile)'}: take it out of their levels first`,
      );
    }
    res.status(204).end();
  };

const onCall =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const id = scheduleId(req.params.id);
    const { at } = validated(OnCallQuery, req.query, 'query');
    const instant = at === undefined ? Date.now() : Date.parse(at);
    const answer = await scheduleShifts(deps, id, instant, instant + UNTIL_HORIZON_MS);
    if (!answer) throw new Problem('not-found', `no schedule ${id}`);
    const [now] = answer.shifts;
    res.json({
      at: new Date(instant).toISOString(),
      users: peopleOf(now!.userIds, answer.people),
      until: now!.end < instant + UNTIL_HORIZON_MS ? new Date(now!.end).toISOString() : null,
    });
  };

const shifts =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const id = scheduleId(req.params.id);
    const { from, to } = shiftsRange(req.query);
    const answer = await scheduleShifts(deps, id, from, to);
    if (!answer) throw new Problem('not-found', `no schedule ${id}`);
    res.json({
      data: answer.shifts.map((s) => ({
        start: new Date(s.start).toISOString(),
        end: new Date(s.end).toISOString(),
        users: peopleOf(s.userIds, answer.people),
      })),
    });
  };

const createOverride =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const id = scheduleId(req.params.id);
    const body = validated(OverrideBody, req.body);
    const override = await storing(insertOverride(deps.pool, id, { ...body, start: new Date(body.start), end: new Date(body.end) }));
    if (!override) throw new Problem('not-found', `no schedule ${id}`);
    res.status(201).location(`/v1/schedules/${id}/overrides/${override.id}`).json(override);
  };

const listOverridesHandler =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const id = scheduleId(req.params.id);
    const { limit, cursor } = validated(ListQuery, req.query, 'query');
    if (!(await findSchedule(deps.pool, id))) throw new Problem('not-found', `no schedule ${id}`);
    sendPage(req, res, await listOverrides(deps.pool, id, { before: cursor, limit: limit + 1 }), limit, (o) => o, idCursor);
  };

const removeOverride =
  (deps: ApiDeps): RequestHandler<{ id: string; overrideId: string }> =>
  async (req, res) => {
    const { id, overrideId } = req.params;
    if (!isId('sch', id) || !isId('ovr', overrideId) || !(await deleteOverride(deps.pool, id, overrideId))) {
      throw new Problem('not-found', `no override ${overrideId} on schedule ${id}`);
    }
    res.status(204).end();
  };

/** Reading schedules takes a viewer's key; overrides a responder's (covering for someone is a responder's act); the rest an admin's. */
export function scheduleRoutes(deps: ApiDeps): Operation[] {
  const tag = 'Schedules';
  const schedule = { description: 'The schedule', body: ScheduleSchema };
  const unknownReference = { description: 'A rotation or user named does not exist (`errors` names the field)' };
  const keyTaken = { description: 'Another schedule has this key' };
  return [
    {
      method: 'post',
      path: '/v1/schedules',
      tag,
      access: 'admin',
      summary: 'Create a schedule',
      description:
        "Rules by weekday and local time range in the schedule's time zone, each naming a rotation or a user, e.g. business hours → " +
        'rotation A, nights and weekends → rotation B. Whoever every rule in force names is on call, together.',
      body: CreateScheduleBody,
      responses: { 201: { ...schedule, headers: { Location: 'The schedule URL' } }, 409: keyTaken, 422: unknownReference },
      handler: create(deps),
    },
    {
      method: 'get',
      path: '/v1/schedules',
      tag,
      access: 'viewer',
      summary: 'List schedules',
      description: 'Newest first, with cursor pagination.',
      query: ListSchedulesQuery,
      responses: { 200: { description: 'A page of schedules', body: pageSchema(ScheduleSchema), headers: { Link: 'rel="next": the next page' } } },
      handler: list(deps),
    },
    {
      method: 'get',
      path: '/v1/schedules/:id',
      tag,
      access: 'viewer',
      summary: 'Get a schedule',
      params: SchedulePath,
      responses: { 200: schedule },
      handler: get(deps),
    },
    {
      method: 'patch',
      path: '/v1/schedules/:id',
      tag,
      access: 'admin',
      summary: 'Change a schedule',
      params: SchedulePath,
      body: ChangeScheduleBody,
      responses: { 200: schedule, 409: keyTaken, 422: unknownReference },
      handler: update(deps),
    },
    {
      method: 'delete',
      path: '/v1/schedules/:id',
      tag,
      access: 'admin',
      summary: 'Delete a schedule',
      description: 'Its overrides and calendar feed go with it.',
      params: SchedulePath,
      responses: { 204: { description: 'Deleted' } },
      handler: remove(deps),
    },
    {
      method: 'get',
      path: '/v1/schedules/:id/on-call',
      tag,
      access: 'viewer',
      summary: 'Who is on call',
      description: 'At `at` (now when left out): everyone on call, after overrides, and until when.',
      params: SchedulePath,
      query: OnCallQuery,
      responses: { 200: { description: 'Who is on call', body: OnCallSchema } },
      handler: onCall(deps),
    },
    {
      method: 'get',
      path: '/v1/schedules/:id/shifts',
      tag,
      access: 'viewer',
      summary: 'The shifts of a time range',
      description: `Consecutive shifts tiling [from, to) (at most ${MAX_SHIFTS_RANGE_DAYS} days), a new one wherever who is on call changes; overrides applied.`,
      params: SchedulePath,
      query: ShiftsQuery,
      responses: { 200: { description: 'The shifts', body: ShiftsSchema } },
      handler: shifts(deps),
    },
    {
      method: 'post',
      path: '/v1/schedules/:id/overrides',
      tag,
      access: 'responder',
      summary: 'Override who is on call for a time range',
      description:
        '`add` alone puts someone on call beside whoever is; `remove` alone takes someone off; both replace `remove` by `add` wherever ' +
        '`remove` would be on call. Overrides that overlap apply in the order they were made, a later one over an earlier one.',
      params: SchedulePath,
      body: OverrideBody,
      responses: {
        201: { description: 'The override', body: OverrideSchema, headers: { Location: 'The override URL' } },
        422: { description: 'A user named does not exist (`errors` names the field)' },
      },
      handler: createOverride(deps),
    },
    {
      method: 'get',
      path: '/v1/schedules/:id/overrides',
      tag,
      access: 'viewer',
      summary: "List a schedule's overrides",
      description: 'Newest first, with cursor pagination.',
      params: SchedulePath,
      query: ListQuery,
      responses: { 200: { description: 'A page of overrides', body: pageSchema(OverrideSchema), headers: { Link: 'rel="next": the next page' } } },
      handler: listOverridesHandler(deps),
    },
    {
      method: 'delete',
      path: '/v1/schedules/:id/overrides/:overrideId',
      tag,
      access: 'responder',
      summary: 'Delete an override',
      params: OverridePath,
      responses: { 204: { description: 'Deleted' } },
      handler: removeOverride(deps),
    },
  ];
}
