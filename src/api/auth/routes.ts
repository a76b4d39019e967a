import type { RequestHandler } from 'express';
import { z } from 'zod';
import { getApiKey, listApiKeys, revokeApiKey, UnknownKeyUserError, type ApiKeyRecord } from '../../db/api-keys';
import { idSchema } from '../../domain/id';
import { trimmedText } from '../../domain/text';
import { isId } from '../../ids';
import type { ApiDeps } from '../deps';
import type { Operation } from '../operations';
import { idCursor, pageQueryFields, pageSchema, sendPage } from '../pagination';
import { Problem, validated } from '../problems';
import { issueApiKey } from './keys';
import { ROLES } from '../../domain/roles';

const timestamp = z.iso.datetime({ offset: true });

const ApiKeySchema = z.object({
  id: z.string().meta({ description: 'key_ and a ULID' }),
  name: z.string(),
  role: z.enum(ROLES),
  prefix: z.string().meta({ description: 'The first characters of the secret, to tell keys apart' }),
  createdAt: timestamp,
  lastUsedAt: timestamp.nullable().meta({ description: 'Accurate to a minute' }),
  revokedAt: timestamp.nullable(),
  userId: z.string().nullable().meta({ description: 'The user the key belongs to: actions taken with it are recorded as theirs' }),
});

const CreateApiKeyBody = z.strictObject({
  name: trimmedText(1, 100).meta({ description: 'Who or what uses the key, e.g. "grafana" or "alice"' }),
  role: z.enum(ROLES).meta({ description: 'viewer reads; responder also acts on incidents; admin does everything' }),
  userId: idSchema('usr', 'a user')
    .optional()
    .meta({ description: 'The person who uses the key (usr_…): incident actions taken with it are recorded as theirs' }),
});

const ListApiKeysQuery = z.strictObject(pageQueryFields);
const ApiKeyPath = z.object({ id: idSchema('key', 'an API key').meta({ description: 'The key id, key_…' }) });

const represent = (key: ApiKeyRecord) => ({
  id: key.id,
  name: key.name,
  role: key.role,
  prefix: key.prefix,
  createdAt: key.createdAt,
  lastUsedAt: key.lastUsedAt,
  revokedAt: key.revokedAt,
  userId: key.userId,
});

const createApiKey =
  (deps: ApiDeps): RequestHandler =>
  async (req, res) => {
    const body = validated(CreateApiKeyBody, req.body);
    const { record, secret } = await issueApiKey(deps.pool, body).catch((err: unknown) => {
      if (err instanceof UnknownKeyUserError) throw new Problem('unprocessable', err.message, { errors: [{ field: 'userId', message: err.message }] });
      throw err;
    });
    res
      .status(201)
      .location(`/v1/api-keys/${record.id}`)
      .json({ ...represent(record), key: secret });
  };

const listKeys =
  (deps: ApiDeps): RequestHandler =>
  async (req, res) => {
    const query = validated(ListApiKeysQuery, req.query, 'query');
    const rows = await listApiKeys(deps.pool, { before: query.cursor, limit: query.limit + 1 });
    sendPage(req, res, rows, query.limit, represent, idCursor);
  };

const findKey = async (deps: ApiDeps, id: string, find: typeof getApiKey): Promise<ApiKeyRecord> => {
  const key = isId('key', id) ? await find(deps.pool, id) : undefined;
  if (!key) throw new Problem('not-found', `no API key ${id}`);
  return key;
};

const getKey =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    res.json(represent(await findKey(deps, req.params.id, getApiKey)));
  };

const revokeKey =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    await findKey(deps, req.params.id, revokeApiKey);
    res.status(204).end();
  };

/** Key management: admins only. Revoked keys stay listed, with when they were revoked. */
export function apiKeyRoutes(deps: ApiDeps): Operation[] {
  const tag = 'API keys';
  return [
    {
      method: 'post',
      path: '/v1/api-keys',
      tag,
      access: 'admin',
      summary: 'Create an API key',
      description: 'The answer holds the secret (`key`), shown this once and stored only as a hash: keep it now.',
      body: CreateApiKeyBody,
      // The answer holds the secret, which is never stored, so it cannot be replayed.
      idempotent: false,
      responses: {
        201: { description: 'The new key and its secret', body: ApiKeySchema.extend({ key: z.string() }) },
        422: { description: 'No such user (`userId`)' },
      },
      handler: createApiKey(deps),
    },
    {
      method: 'get',
      path: '/v1/api-keys',
      tag,
      access: 'admin',
      summary: 'List API keys',
      description: 'Newest first, revoked ones included; never their secrets.',
      query: ListApiKeysQuery,
      responses: { 200: { description: 'A page of keys', body: pageSchema(ApiKeySchema) } },
      handler: listKeys(deps),
    },
    {
      method: 'get',
      path: '/v1/api-keys/:id',
      tag,
      access: 'admin',
      summary: 'Get an API key',
      params: ApiKeyPath,
      responses: { 200: { description: 'The key', body: ApiKeySchema } },
      handler: getKey(deps),
    },
    {
      method: 'delete',
      path: '/v1/api-keys/:id',
      tag,
      access: 'admin',
      summary: 'Revoke an API key',
      description: 'Takes effect at once on every API instance. Revoking a revoked key changes nothing.',
      params: ApiKeyPath,
      responses: { 204: { description: 'Revoked' } },
      handler: revokeKey(deps),
    },
  ];
}
