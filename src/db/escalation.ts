import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { SecretBox } from '../codec/secrets';
import {
  CHANNEL_CONFIG_SCHEMAS,
  CHANNEL_SECRET_FIELDS,
  type ChannelConfig,
  type ChannelInput,
  type ChannelKind,
  type EscalationPolicyInput,
  type PersonTargetKind,
  type PolicyPersonTarget,
  type PolicySnapshot,
} from '../domain/escalation';
import type { Prisma, PrismaClient } from './generated/client';

/** Channels and escalation policies: the admin API writes them, incidents read a snapshot of a policy when they open. */

export const newSigningSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * A channel's stored settings from what an admin wrote: its kind's own fields only (the schema of the kind says which),
 * and a webhook without a signing secret gets one.
 */
export function channelConfig(input: ChannelInput): ChannelConfig {
  const own = Object.keys(CHANNEL_CONFIG_SCHEMAS[input.kind].shape);
  const fields = Object.entries(input).filter(([field, value]) => own.includes(field) && value !== undefined);
  const config = { kind: input.kind, ...Object.fromEntries(fields) } as ChannelConfig;
  return config.kind === 'webhook' ? { ...config, signingSecret: config.signingSecret ?? newSigningSecret() } : config;
}

/** The kind's secret fields sealed (`transform` = seal) or opened (`transform` = open); the others as they are. */
function mapSecrets(config: ChannelConfig, transform: (value: string) => string): ChannelConfig {
  const secret: readonly string[] = CHANNEL_SECRET_FIELDS[config.kind];
  return Object.fromEntries(
    Object.entries(config).map(([field, value]) => [field, secret.includes(field) && typeof value === 'string' ? transform(value) : value]),
  ) as ChannelConfig;
}

const sealed = (secrets: SecretBox, config: ChannelConfig) => mapSecrets(config, (v) => secrets.seal(v, 'channel')) as unknown as Prisma.InputJsonValue;

export interface StoredChannel {
  id: string;
  name: string;
  kind: ChannelKind;
  /** In clear: opened as read. */
  config: ChannelConfig;
  key: string | null;
  createdAt: Date;
  updatedAt: Date;
}

type ChannelRow = { id: string; name: string; kind: string; config: Prisma.JsonValue; key: string | null; createdAt: Date; updatedAt: Date };

/** Rows written before secrets were sealed hold them in clear: they open as they are, and are sealed at their next write. */
const toChannel = (secrets: SecretBox, row: ChannelRow): StoredChannel => ({
  ...row,
  kind: row.kind as ChannelKind,
  config: mapSecrets(row.config as unknown as ChannelConfig, (v) => secrets.open(v, 'channel')),
});

export async function insertChannel(prisma: PrismaClient, secrets: SecretBox, id: string, input: ChannelInput): Promise<StoredChannel> {
  const row = await prisma.channel.create({
    data: { id, name: input.name, kind: input.kind, key: input.key ?? null, config: sealed(secrets, channelConfig(input)) },
  });
  return toChannel(secrets, row);
}

export async function findChannel(db: PrismaClient | Prisma.TransactionClient, secrets: SecretBox, id: string): Promise<StoredChannel | undefined> {
  const row = await db.channel.findUnique({ where: { id } });
  return row ? toChannel(secrets, row) : undefined;
}

/** Read at each delivery, by the worker: the channel as it is now (undefined once deleted). */
export async function readChannel(pool: Pool, secrets: SecretBox, id: string): Promise<StoredChannel | undefined> {
  const { rows } = await pool.query('SELECT id, name, kind, config, key, created_at AS "createdAt", updated_at AS "updatedAt" FROM channels WHERE id = $1', [
    id,
  ]);
  return rows[0] ? toChannel(secrets, rows[0]) : undefined;
}

/** Newest first, ids below `before` (src/api/pagination.ts); with `key`, the one channel of that key. */
export async function listChannels(
  prisma: PrismaClient,
  secrets: SecretBox,
  { before, limit, key }: { before?: string; limit: number; key?: string },
): Promise<StoredChannel[]> {
  const rows = await prisma.channel.findMany({
    where: { ...(before ? { id: { lt: before } } : {}), ...(key ? { key } : {}) },
    orderBy: { id: 'desc' },
    take: limit,
  });
  return rows.map((row) => toChannel(secrets, row));
}

export async function replaceChannel(prisma: PrismaClient, secrets: SecretBox, id: string, input: ChannelInput): Promise<StoredChannel> {
  const row = await prisma.channel.update({
    where: { id },
    data: { name: input.name, kind: input.kind, key: input.key ?? null, config: sealed(secrets, channelConfig(input)), updatedAt: new Date() },
  });
  return toChannel(secrets, row);
}

/**
 * Rewrites every channel whose secrets are not sealed under the active key (in clear from before sealing existed, or
 * under an older key), a batch at a time; answers how many it rewrote. A row changed meanwhile is left for the next
 * run (compare-and-set on its config), so a concurrent edit is never overwritten.
 */
export async function resealChannels(pool: Pool, secrets: SecretBox): Promise<number> {
  let resealed = 0;
  let after = '';
  for (;;) {
    const { rows } = await pool.query<{ id: string; kind: ChannelKind; config: ChannelConfig }>(
      'SELECT id, kind, config FROM channels WHERE id > $1 ORDER BY id LIMIT 500',
      [after],
    );
    if (rows.length === 0) return resealed;
    after = rows.at(-1)!.id;
    for (const row of rows) {
      const stale = CHANNEL_SECRET_FIELDS[row.kind].some((field) => {
        const value = (row.config as Record<string, unknown>)[field];
        return typeof value === 'string' && !secrets.isCurrent(value);
      });
      if (!stale) continue;
      const current = mapSecrets(row.config, (v) => secrets.open(v, 'channel'));
      const { rowCount } = await pool.query('UPDATE channels SET config = $2 WHERE id = $1 AND config = $3', [row.id, sealed(secrets, current), row.config]);
      resealed += rowCount ?? 0;
    }
  }
}

/** The policies whose levels use the channel: a channel in use cannot be deleted. */
export async function policiesUsingChannel(prisma: PrismaClient, channelId: string): Promise<string[]> {
  const rows = await prisma.escalationLevelChannel.findMany({
    where: { channelId },
    select: { policyId: true },
    distinct: ['policyId'],
    orderBy: { policyId: 'asc' },
  });
  return rows.map((r) => r.policyId);
}

export async function deleteChannelRow(prisma: PrismaClient, id: string): Promise<boolean> {
  return (await prisma.channel.deleteMany({ where: { id } })).count > 0;
}

const policyInclude = {
  levels: {
    orderBy: { position: 'asc' },
    include: {
      channels: { orderBy: { ordinal: 'asc' }, include: { channel: { select: { id: true, name: true, kind: true } } } },
      people: {
        orderBy: { ordinal: 'asc' },
        include: { user: { select: { name: true } }, schedule: { select: { name: true } }, rotation: { select: { name: true } } },
      },
    },
  },
} satisfies Prisma.EscalationPolicyInclude;

export type StoredPolicy = Prisma.EscalationPolicyGetPayload<{ include: typeof policyInclude }>;

/** A level as written; the people fields may be left out (a policy of channels alone), as in the API's body. */
type Level = Omit<EscalationPolicyInput['levels'][number], PeopleField> & Partial<Pick<EscalationPolicyInput['levels'][number], PeopleField>>;
type PolicyFields = Omit<EscalationPolicyInput, 'levels'> & { levels: Level[] };

/** Where each kind of person a level pages is written in its body. */
const PERSON_FIELDS = { user: 'userIds', schedule: 'scheduleIds', rotation: 'rotationIds' } as const satisfies Record<PersonTargetKind, string>;
type PeopleField = (typeof PERSON_FIELDS)[PersonTargetKind];

/** A level's people rows, in the order written: users, then schedules, then rotations. */
const peopleRows = (level: Level) =>
  [
    ...(level.userIds ?? []).map((userId) => ({ userId })),
    ...(level.scheduleIds ?? []).map((scheduleId) => ({ scheduleId })),
    ...(level.rotationIds ?? []).map((rotationId) => ({ rotationId })),
  ].map((person, ordinal) => ({ ...person, ordinal }));

const levelRow = (level: Level, position: number) => ({
  position,
  timeoutSeconds: level.timeoutSeconds,
  channels: { create: level.channelIds.map((channelId, ordinal) => ({ channelId, ordinal })) },
  people: { create: peopleRows(level) },
});

const levelRows = (levels: Level[]) => ({ create: levels.map(levelRow) });

/**
 * The channels, users, schedules and rotations a policy names that do not exist, with where they appear
 * (`levels.0.channelIds.1`, `levels.1.scheduleIds.0`).
 */
export async function unknownLevelReferences(prisma: PrismaClient, levels: Level[]): Promise<{ field: string; id: string; what: string }[]> {
  const all = (field: 'channelIds' | PeopleField) => ({ id: { in: [...new Set(levels.flatMap((l) => l[field] ?? []))] } });
  const select = { id: true } as const;
  const found = await Promise.all([
    prisma.channel.findMany({ where: all('channelIds'), select }),
    prisma.user.findMany({ where: all('userIds'), select }),
    prisma.schedule.findMany({ where: all('scheduleIds'), select }),
    prisma.rotation.findMany({ where: all('rotationIds'), select }),
  ]);
  const known = new Set(found.flat().map((r) => r.id));
  const fields = [
    ['channelIds', 'channel'],
    ['userIds', 'user'],
    ['scheduleIds', 'schedule'],
    ['rotationIds', 'rotation'],
  ] as const;
  return levels.flatMap((l, i) =>
    fields.flatMap(([field, what]) => (l[field] ?? []).flatMap((id, j) => (known.has(id) ? [] : [{ field: `levels.${i}.${field}.${j}`, id, what }]))),
  );
}

export async function insertPolicy(prisma: PrismaClient, id: string, input: PolicyFields): Promise<StoredPolicy> {
  return prisma.escalationPolicy.create({
    data: { id, name: input.name, key: input.key ?? null, description: input.description, repeat: input.repeat, levels: levelRows(input.levels) },
    include: policyInclude,
  });
}

export function findPolicy(prisma: PrismaClient, id: string): Promise<StoredPolicy | null> {
  return prisma.escalationPolicy.findUnique({ where: { id }, include: policyInclude });
}

/** Newest first, ids below `before`; with `key`, the one policy of that key. */
export function listPolicies(prisma: PrismaClient, { before, limit, key }: { before?: string; limit: number; key?: string }): Promise<StoredPolicy[]> {
  return prisma.escalationPolicy.findMany({
    where: { ...(before ? { id: { lt: before } } : {}), ...(key ? { key } : {}) },
    orderBy: { id: 'desc' },
    take: limit,
    include: policyInclude,
  });
}

/** Replaces a policy's settings and levels at once, as a new version; incidents already open keep the one they captured. */
export async function replacePolicy(prisma: PrismaClient, id: string, input: PolicyFields): Promise<StoredPolicy | null> {
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.escalationPolicy.updateMany({
      where: { id },
      data: {
        name: input.name,
        key: input.key ?? null,
        description: input.description,
        repeat: input.repeat,
        version: { increment: 1 },
        updatedAt: new Date(),
      },
    });
    if (count === 0) return null;
    await tx.escalationLevel.deleteMany({ where: { policyId: id } });
    for (const [position, level] of input.levels.entries()) {
      await tx.escalationLevel.create({ data: { policyId: id, ...levelRow(level, position) } });
    }
    return tx.escalationPolicy.findUnique({ where: { id }, include: policyInclude });
  });
}

/** The targets whose configuration names the policy: a policy in use cannot be deleted. */
export async function targetsUsingPolicy(pool: Pool, policyId: string): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(`SELECT id FROM targets WHERE spec->>'escalationPolicyId' = $1 ORDER BY id LIMIT 20`, [policyId]);
  return rows.map((r) => r.id);
}

/** The policies whose levels page the user, schedule or rotation: one in use cannot be deleted. */
export async function policiesPaging(pool: Pool, kind: PersonTargetKind, id: string): Promise<string[]> {
  const column = { user: 'user_id', schedule: 'schedule_id', rotation: 'rotation_id' }[kind];
  const { rows } = await pool.query<{ id: string }>(`SELECT DISTINCT policy_id AS id FROM escalation_level_people WHERE ${column} = $1 ORDER BY 1`, [id]);
  return rows.map((r) => r.id);
}

export async function deletePolicyRow(prisma: PrismaClient, id: string): Promise<boolean> {
  return (await prisma.escalationPolicy.deleteMany({ where: { id } })).count > 0;
}

export const policySnapshot = (p: StoredPolicy): PolicySnapshot => ({
  id: p.id,
  name: p.name,
  version: p.version,
  repeat: p.repeat,
  levels: p.levels.map((l) => ({
    timeoutSeconds: l.timeoutSeconds,
    channels: l.channels.map(({ channel }) => ({ id: channel.id, name: channel.name, kind: channel.kind as ChannelKind })),
    ...(l.people.length > 0 ? { people: l.people.map(personTarget) } : {}),
  })),
});

const personTarget = (row: StoredPolicy['levels'][number]['people'][number]): PolicyPersonTarget => {
  if (row.userId !== null) return { kind: 'user', id: row.userId, name: row.user!.name };
  if (row.scheduleId !== null) return { kind: 'schedule', id: row.scheduleId, name: row.schedule!.name };
  return { kind: 'rotation', id: row.rotationId!, name: row.rotation!.name };
};

/** The policy as it stands now, for an incident to capture; undefined when it does not exist (any more). */
export async function readPolicySnapshot(pool: Pool, id: string): Promise<PolicySnapshot | undefined> {
  const { rows } = await pool.query<{ name: string; version: number; repeat: number; levels: PolicySnapshot['levels'] | null }>(
    `SELECT p.name, p.version, p.repeat,
            (SELECT json_agg(json_strip_nulls(json_build_object(
                      'timeoutSeconds', l.timeout_seconds,
                      'channels', (SELECT coalesce(json_agg(json_build_object('id', c.id, 'name', c.name, 'kind', c.kind) ORDER BY lc.ordinal), '[]')
                                   FROM escalation_level_channels lc JOIN channels c ON c.id = lc.channel_id
                                   WHERE lc.policy_id = l.policy_id AND lc.position = l.position),
                      -- Left out (null, stripped) on a level that pages nobody in person, as policySnapshot does.
                      'people', (SELECT json_agg(CASE
                                          WHEN lp.user_id IS NOT NULL THEN json_build_object('kind', 'user', 'id', u.id, 'name', u.name)
                                          WHEN lp.schedule_id IS NOT NULL THEN json_build_object('kind', 'schedule', 'id', s.id, 'name', s.name)
                                          ELSE json_build_object('kind', 'rotation', 'id', r.id, 'name', r.name) END ORDER BY lp.ordinal)
                                 FROM escalation_level_people lp
                                 LEFT JOIN users u ON u.id = lp.user_id
                                 LEFT JOIN schedules s ON s.id = lp.schedule_id
                                 LEFT JOIN rotations r ON r.id = lp.rotation_id
                                 WHERE lp.policy_id = l.policy_id AND lp.position = l.position)))
                    ORDER BY l.position)
             FROM escalation_levels l WHERE l.policy_id = p.id) AS levels
     FROM escalation_policies p WHERE p.id = $1`,
    [id],
  );
  const row = rows[0];
  return row ? { id, name: row.name, version: row.version, repeat: row.repeat, levels: row.levels ?? [] } : undefined;
}

/** Whether an escalation policy of this id exists. */
export async function policyExists(pool: Pool, id: string): Promise<boolean> {
  return (await pool.query('SELECT 1 FROM escalation_policies WHERE id = $1', [id])).rowCount === 1;
}
