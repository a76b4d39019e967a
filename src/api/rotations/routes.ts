import type { RequestHandler } from 'express';
import { policiesPaging } from '../../db/escalation';
import {
  deleteRotation,
  findRotation,
  insertRotation,
  listRotations,
  RotationInUseError,
  RotationKeyTakenError,
  rotationOf,
  schedulesNamingRotation,
  UnknownParticipantsError,
  updateRotation,
  type RotationFields,
  type RotationRecord,
} from '../../db/rotations';
import { handOff, shiftNumberAt, participantOfShift, turnOffsetKeepingOnCall } from '../../domain/rotation';
import { zoneClock } from '../../domain/zone-time';
import { isId } from '../../ids';
import type { ApiDeps } from '../deps';
import type { Operation } from '../operations';
import { idCursor, pageSchema, sendPage } from '../pagination';
import { Problem, validated } from '../problems';
import { ChangeRotationBody, CreateRotationBody, ListRotationsQuery, RotationPath, RotationSchema } from './schema';

function represent(record: RotationRecord, now = Date.now()) {
  const rotation = rotationOf(record);
  const clock = zoneClock(rotation.timeZone);
  const k = shiftNumberAt(rotation, clock, now);
  const userId = participantOfShift(rotation, k);
  const { turnOffset: _, start, ...rest } = record;
  return {
    ...rest,
    start: start.toISOString(),
    onCallNow:
      userId === undefined
        ? null
        : { userId, shiftStart: new Date(handOff(rotation, clock, k)).toISOString(), shiftEnd: new Date(handOff(rotation, clock, k + 1)).toISOString() },
  };
}

const rotationId = (id: string): string => {
  if (!isId('rot', id)) throw new Problem('not-found', `no rotation ${id}`);
  return id;
};

async function storing<T>(write: Promise<T>, participants?: readonly string[]): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (err instanceof RotationKeyTakenError) throw new Problem('conflict', err.message, { errors: [{ field: 'key', message: 'taken by another rotation' }] });
    if (err instanceof UnknownParticipantsError) {
      const errors = err.missing.map((id) => ({ field: `participants.${participants?.indexOf(id) ?? 0}`, message: `no user ${id}` }));
      throw new Problem('unprocessable', `no such user: ${err.missing.join(', ') || 'one was deleted meanwhile'}`, { errors });
    }
    throw err;
  }
}

const create =
  (deps: ApiDeps): RequestHandler =>
  async (req, res) => {
    const body = validated(CreateRotationBody, req.body);
    const fields: RotationFields = { ...body, key: body.key ?? null, start: new Date(body.start), turnOffset: 0 };
    const rotation = await storing(insertRotation(deps.pool, fields), body.participants);
    res.status(201).location(`/v1/rotations/${rotation.id}`).json(represent(rotation));
  };

const list =
  (deps: ApiDeps): RequestHandler =>
  async (req, res) => {
    const { limit, cursor, key } = validated(ListRotationsQuery, req.query, 'query');
    const now = Date.now();
    sendPage(req, res, await listRotations(deps.pool, { before: cursor, limit: limit + 1, key }), limit, (r) => represent(r, now), idCursor);
  };

const get =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const id = rotationId(req.params.id);
    const rotation = await findRotation(deps.pool, id);
    if (!rotation) throw new Problem('not-found', `no rotation ${id}`);
    res.json(represent(rotation));
  };

/** PATCH: every change keeps whoever is on call now on call (rotation.ts says how), unless `onCallNow` names someone. */
const update =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const id = rotationId(req.params.id);
    const { onCallNow, start, ...change } = validated(ChangeRotationBody, req.body);
    const now = Date.now();
    const rotation = await storing(
      updateRotation(deps.pool, id, (current) => {
        const next = { ...current, ...change, ...(start === undefined ? {} : { start: new Date(start) }) };
        if (onCallNow !== undefined && !next.participants.includes(onCallNow)) {
          throw new Problem('invalid-request', 'invalid body: onCallNow', { errors: [{ field: 'onCallNow', message: 'not a participant of the rotation' }] });
        }
        const before = rotationOf(current);
        const after = rotationOf({ ...next, turnOffset: 0 });
        const clocks = { before: zoneClock(before.timeZone), after: zoneClock(after.timeZone) };
        return { ...next, turnOffset: turnOffsetKeepingOnCall(before, after, clocks, now, onCallNow) };
      }),
      change.participants,
    );
    if (!rotation) throw new Problem('not-found', `no rotation ${id}`);
    res.json(represent(rotation, now));
  };

const remove =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const id = rotationId(req.params.id);
    try {
      if (!(await deleteRotation(deps.pool, id))) throw new Problem('not-found', `no rotation ${id}`);
    } catch (err) {
      if (!(err instanceof RotationInUseError)) throw err;
      const [schedules, policies] = await Promise.all([schedulesNamingRotation(deps.pool, id), policiesPaging(deps.pool, 'rotation', id)]);
      const where = [...schedules.map((s) => `schedule ${s}`), ...policies.map((p) => `escalation policy ${p}`)].join(', ');
      throw new Problem('conflict', `the rotation is named by ${where || 'a schedule or escalation policy (one meanwhile)'}: take it out of them first`);
    }
    res.status(204).end();
  };

/** Reading rotations takes a viewer's key; changing them an admin's. */
export function rotationRoutes(deps: ApiDeps): Operation[] {
  const tag = 'Rotations';
  const rotation = { description: 'The rotation', body: RotationSchema };
  const unknownUser = { description: 'A participant is not a user (`errors` names it)' };
  const keyTaken = { description: 'Another rotation has this key' };
  return [
    {
      method: 'post',
      path: '/v1/rotations',
      tag,
      access: 'admin',
      summary: 'Create a rotation',
      description:
        'Participants take shifts of `shiftLength` `shiftUnit`s in turn from `start`, handing off at the wall-clock time of `start` in ' +
        '`timeZone` all year (a daily 09:00 Europe/Berlin hand-off is at 09:00 on both sides of a DST change). A wall-clock time a DST ' +
        'change skips happens as late as the gap is long; one it repeats, at its first occurrence. Nobody is on call before `start`.',
      body: CreateRotationBody,
      responses: { 201: { ...rotation, headers: { Location: 'The rotation URL' } }, 409: keyTaken, 422: unknownUser },
      handler: create(deps),
    },
    {
      method: 'get',
      path: '/v1/rotations',
      tag,
      access: 'viewer',
      summary: 'List rotations',
      description: 'Newest first, with cursor pagination.',
      query: ListRotationsQuery,
      responses: { 200: { description: 'A page of rotations', body: pageSchema(RotationSchema), headers: { Link: 'rel="next": the next page' } } },
      handler: list(deps),
    },
    {
      method: 'get',
      path: '/v1/rotations/:id',
      tag,
      access: 'viewer',
      summary: 'Get a rotation',
      params: RotationPath,
      responses: { 200: rotation },
      handler: get(deps),
    },
    {
      method: 'patch',
      path: '/v1/rotations/:id',
      tag,
      access: 'admin',
      summary: 'Change a rotation',
      description:
        'Adding, removing and reordering participants, and changing the shift length, start or time zone, keep whoever is on call now on ' +
        'call until the shift under way ends (if they were removed, the participant who came after them takes over), and the turns go ' +
        'on in the new order. `onCallNow` gives the shift under way to another participant instead.',
      params: RotationPath,
      body: ChangeRotationBody,
      responses: { 200: rotation, 409: keyTaken, 422: unknownUser },
      handler: update(deps),
    },
    {
      method: 'delete',
      path: '/v1/rotations/:id',
      tag,
      access: 'admin',
      summary: 'Delete a rotation',
      description: 'Refused (409, naming them) while a schedule names it.',
      params: RotationPath,
      responses: { 204: { description: 'Deleted' } },
      handler: remove(deps),
    },
  ];
}
