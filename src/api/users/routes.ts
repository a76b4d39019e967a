import type { RequestHandler } from 'express';
import { z } from 'zod';
import { policiesPaging } from '../../db/escalation';
import {
  deleteUser,
  EmailTakenError,
  findUser,
  insertUser,
  listUsers,
  replaceUser,
  UserInUseError,
  UserKeyTakenError,
  whereUserIsNamed,
  type UserRecord,
} from '../../db/users';
import { idSchema } from '../../domain/id';
import { ResourceKeySchema } from '../../domain/resource-key';
import { changedUser, ContactMethodSchema, NotificationRuleSchema, UserChangeSchema, UserInputSchema } from '../../domain/users';
import { isId } from '../../ids';
import type { ApiDeps } from '../deps';
import type { Operation } from '../operations';
import { idCursor, pageQueryFields, pageSchema, sendPage } from '../pagination';
import { Problem, validated } from '../problems';

export const UserPath = z.object({ id: idSchema('usr', 'a user').meta({ description: 'The user id, usr_…' }) });
const ListUsersQuery = z.strictObject({ key: ResourceKeySchema.optional().meta({ description: 'Only the user of this key.' }), ...pageQueryFields });

const timestamp = z.iso.datetime({ offset: true });
const UserSchema = z.object({
  id: z.string(),
  key: z.string().nullable().meta({ description: 'The stable name configuration files give it; null without one' }),
  name: z.string(),
  email: z.string(),
  timeZone: z.string(),
  contactMethods: z.array(ContactMethodSchema),
  notificationRules: z.array(NotificationRuleSchema),
  createdAt: timestamp,
  updatedAt: timestamp,
});

const represent = (user: UserRecord) => user;

/** A user by id from a path: 404 for an id that is not a user's. */
export async function existingUser(deps: ApiDeps, id: string): Promise<UserRecord> {
  const user = isId('usr', id) ? await findUser(deps.pool, id) : undefined;
  if (!user) throw new Problem('not-found', `no user ${id}`);
  return user;
}

async function storing<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (err instanceof EmailTakenError) throw new Problem('conflict', err.message);
    if (err instanceof UserKeyTakenError) throw new Problem('conflict', err.message, { errors: [{ field: 'key', message: 'taken by another user' }] });
    throw err;
  }
}

const create =
  (deps: ApiDeps): RequestHandler =>
  async (req, res) => {
    const user = await storing(insertUser(deps.pool, validated(UserInputSchema, req.body)));
    res.status(201).location(`/v1/users/${user.id}`).json(represent(user));
  };

const list =
  (deps: ApiDeps): RequestHandler =>
  async (req, res) => {
    const { limit, cursor, key } = validated(ListUsersQuery, req.query, 'query');
    sendPage(req, res, await listUsers(deps.pool, { before: cursor, limit: limit + 1, key }), limit, represent, idCursor);
  };

const get =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    res.json(represent(await existingUser(deps, req.params.id)));
  };

const update =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const current = await existingUser(deps, req.params.id);
    const change = validated(UserChangeSchema, req.body);
    // The user as changed must hold together: a rule may not be left naming a contact method the change removed.
    const { key, name, email, timeZone, contactMethods, notificationRules } = current;
    const result = changedUser({ key, name, email, timeZone, contactMethods, notificationRules }, change);
    if (!result.success) throw Problem.invalid(result.error);
    const user = await storing(replaceUser(deps.pool, current.id, result.data));
    if (!user) throw new Problem('not-found', `no user ${current.id}`);
    res.json(represent(user));
  };

const remove =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const { id } = await existingUser(deps, req.params.id);
    try {
      await deleteUser(deps.pool, id);
    } catch (err) {
      if (!(err instanceof UserInUseError)) throw err;
      const [{ rotations, schedules }, policies] = await Promise.all([whereUserIsNamed(deps.pool, id), policiesPaging(deps.pool, 'user', id)]);
      const where = [...rotations.map((r) => `rotation ${r}`), ...schedules.map((s) => `schedule ${s}`), ...policies.map((p) => `escalation policy ${p}`)].join(
        ', ',
      );
      throw new Problem('conflict', `the user is named by ${where || 'a rotation, schedule or escalation policy'}: take them out first`);
    }
    res.status(204).end();
  };

/**
 * Users hold contact methods (webhook URLs are secrets): admins alone read and change them. Who is on call is answered
 * to viewers elsewhere (the schedules' on-call and shifts), with each person's name and e-mail inline.
 */
export function userRoutes(deps: ApiDeps): Operation[] {
  const tag = 'Users';
  const user = { description: 'The user', body: UserSchema };
  return [
    {
      method: 'post',
      path: '/v1/users',
      tag,
      access: 'admin',
      summary: 'Create a user',
      description:
        'A person who can be on call: name, e-mail (unique), an optional `key` (unique) for configuration files, IANA time zone, contact methods (e-mail, Slack through an incoming webhook, ' +
        'generic webhook; each named, names unique) and notification rules (which contact method, how many minutes after a page while ' +
        'unacknowledged).',
      body: UserInputSchema,
      responses: { 201: { ...user, headers: { Location: 'The user URL' } }, 409: { description: 'Another user has this e-mail address or key' } },
      handler: create(deps),
    },
    {
      method: 'get',
      path: '/v1/users',
      tag,
      access: 'admin',
      summary: 'List users',
      description: 'Newest first, with cursor pagination.',
      query: ListUsersQuery,
      responses: { 200: { description: 'A page of users', body: pageSchema(UserSchema), headers: { Link: 'rel="next": the next page' } } },
      handler: list(deps),
    },
    { method: 'get', path: '/v1/users/:id', tag, access: 'admin', summary: 'Get a user', params: UserPath, responses: { 200: user }, handler: get(deps) },
    {
      method: 'patch',
      path: '/v1/users/:id',
      tag,
      access: 'admin',
      summary: 'Change a user',
      description:
        'The fields given replace the stored ones (lists whole). A notification rule must name one of the contact methods the user has after the change.',
      params: UserPath,
      body: UserChangeSchema,
      responses: { 200: user, 409: { description: 'Another user has this e-mail address or key' } },
      handler: update(deps),
    },
    {
      method: 'delete',
      path: '/v1/users/:id',
      tag,
      access: 'admin',
      summary: 'Delete a user',
      description: 'Refused (409, naming them) while a rotation, a schedule rule or an override names the user.',
      params: UserPath,
      responses: { 204: { description: 'Deleted' } },
      handler: remove(deps),
    },
  ];
}
