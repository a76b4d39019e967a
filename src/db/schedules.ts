import type { Pool, PoolClient } from 'pg';
import type { OnCallPlan, Override, ScheduleRule } from '../domain/on-call';
import { newId } from '../ids';
import { findRotations, rotationOf } from './rotations';
import { inTransaction, stillReferenced, violated } from './transaction';

/** Schedules, their rules (in order) and their overrides, and the reads that make an on-call plan of them. */

export interface ScheduleFields {
  name: string;
  key: string | null;
  timeZone: string;
  rules: ScheduleRule[];
}

export interface ScheduleRecord extends ScheduleFields {
  id: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface OverrideFields {
  start: Date;
  end: Date;
  add?: string;
  remove?: string;
}

export interface OverrideRecord extends OverrideFields {
  id: string;
  scheduleId: string;
  createdAt: Date;
}

export class ScheduleKeyTakenError extends Error {
  override name = 'ScheduleKeyTakenError';
}

/** Rotations or users named that do not exist, with where they were named (e.g. `rules.2.rotationId`). */
export class UnknownReferencesError extends Error {
  override name = 'UnknownReferencesError';
  constructor(readonly missing: { field: string; id: string }[]) {
    super(`no such ${missing.map((m) => m.id).join(', ')}`);
  }
}

const SELECT = `
  SELECT s.id, s.key, s.name, s.time_zone AS "timeZone", s.created_at AS "createdAt", s.updated_at AS "updatedAt",
         coalesce((SELECT json_agg(json_strip_nulls(json_build_object('days', r.days, 'startMinute', r.start_minute, 'endMinute', r.end_minute,
                                                   'rotationId', r.rotation_id, 'userId', r.user_id)) ORDER BY r.position)
                   FROM schedule_rules r WHERE r.schedule_id = s.id), '[]') AS rules
  FROM schedules s`;

export async function findSchedule(db: Pool | PoolClient, id: string): Promise<ScheduleRecord | undefined> {
  const { rows } = await db.query<ScheduleRecord>(`${SELECT} WHERE s.id = $1`, [id]);
  return rows[0];
}

/** Newest first, `limit` schedules with ids below `before`; with `key`, the one schedule of that key. */
export async function listSchedules(pool: Pool, { before, limit, key }: { before?: string; limit: number; key?: string }): Promise<ScheduleRecord[]> {
  const { rows } = await pool.query<ScheduleRecord>(
    `${SELECT} WHERE ($1::text IS NULL OR s.id < $1) AND ($3::text IS NULL OR s.key = $3) ORDER BY s.id DESC LIMIT $2`,
    [before ?? null, limit, key ?? null],
  );
  return rows;
}

/** Fails with UnknownReferencesError naming each rotation or user named at `field` that does not exist; locks those that do. */
async function requireExisting(client: PoolClient, named: { field: string; id: string; table: 'rotations' | 'users' }[]): Promise<void> {
  const found = new Set<string>();
  for (const table of ['rotations', 'users'] as const) {
    const ids = named.filter((n) => n.table === table).map((n) => n.id);
    if (ids.length === 0) continue;
    const { rows } = await client.query<{ id: string }>(`SELECT id FROM ${table} WHERE id = ANY($1) FOR KEY SHARE`, [ids]);
    for (const { id } of rows) found.add(id);
  }
  const missing = named.filter((n) => !found.has(n.id)).map(({ field, id }) => ({ field, id }));
  if (missing.length > 0) throw new UnknownReferencesError(missing);
}

async function setRules(client: PoolClient, id: string, rules: readonly ScheduleRule[]): Promise<void> {
  await requireExisting(
    client,
    rules.map((r, i) =>
      r.rotationId !== undefined
        ? { field: `rules.${i}.rotationId`, id: r.rotationId, table: 'rotations' }
        : { field: `rules.${i}.userId`, id: r.userId!, table: 'users' },
    ),
  );
  await client.query('DELETE FROM schedule_rules WHERE schedule_id = $1', [id]);
  for (const [position, r] of rules.entries()) {
    await client.query(
      'INSERT INTO schedule_rules (schedule_id, position, days, start_minute, end_minute, rotation_id, user_id) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [id, position, r.days, r.startMinute, r.endMinute, r.rotationId ?? null, r.userId ?? null],
    );
  }
}

/**
 * A reference that went away between our check and our write (a deleted rotation or user): the foreign key refuses.
 * Or another schedule has the key.
 */
const goneMeanwhile = (err: unknown) => {
  if (violated(err, '23503')) return new UnknownReferencesError([]);
  if (violated(err, '23505') === 'schedules_key_key') return new ScheduleKeyTakenError('another schedule has this key');
  return err;
};

export async function insertSchedule(pool: Pool, fields: ScheduleFields): Promise<ScheduleRecord> {
  try {
    return await inTransaction(pool, async (client) => {
      const id = newId('sch');
      await client.query('INSERT INTO schedules (id, name, time_zone, key) VALUES ($1, $2, $3, $4)', [id, fields.name, fields.timeZone, fields.key]);
      await setRules(client, id, fields.rules);
      return (await findSchedule(client, id))!;
    });
  } catch (err) {
    throw goneMeanwhile(err);
  }
}

/** Changes the fields given (`key: null` removes the key); `rules`, when given, replaces them all. Undefined when there is no such schedule. */
export async function updateSchedule(pool: Pool, id: string, fields: Partial<ScheduleFields>): Promise<ScheduleRecord | undefined> {
  try {
    return await inTransaction(pool, async (client) => {
      const { rowCount } = await client.query(
        `UPDATE schedules SET name = coalesce($2, name), time_zone = coalesce($3, time_zone), key = CASE WHEN $4 THEN $5 ELSE key END, updated_at = now()
         WHERE id = $1`,
        [id, fields.name ?? null, fields.timeZone ?? null, fields.key !== undefined, fields.key ?? null],
      );
      if (rowCount === 0) return undefined;
      if (fields.rules) await setRules(client, id, fields.rules);
      return findSchedule(client, id);
    });
  } catch (err) {
    throw goneMeanwhile(err);
  }
}

export class ScheduleInUseError extends Error {
  override name = 'ScheduleInUseError';
}

/** False when there is no such schedule; one an escalation policy pages is refused (ScheduleInUseError). */
export async function deleteSchedule(pool: Pool, id: string): Promise<boolean> {
  try {
    return ((await pool.query('DELETE FROM schedules WHERE id = $1', [id])).rowCount ?? 0) > 0;
  } catch (err) {
    if (stillReferenced(err)) throw new ScheduleInUseError('an escalation policy pages this schedule');
    throw err;
  }
}

const OVERRIDE_COLUMNS = `id, schedule_id AS "scheduleId", starts_at AS start, ends_at AS "end", add_user_id AS add, remove_user_id AS remove, created_at AS "createdAt"`;

const overrideRecord = (row: OverrideRecord & { add: string | null; remove: string | null }): OverrideRecord => {
  const { add, remove, ...rest } = row;
  return { ...rest, ...(add === null ? {} : { add }), ...(remove === null ? {} : { remove }) };
};

/** Undefined when there is no such schedule. */
export async function insertOverride(pool: Pool, scheduleId: string, fields: OverrideFields): Promise<OverrideRecord | undefined> {
  try {
    return await inTransaction(pool, async (client) => {
      const { rowCount } = await client.query('SELECT 1 FROM schedules WHERE id = $1 FOR KEY SHARE', [scheduleId]);
      if (rowCount === 0) return undefined;
      const named = [
        ...(fields.add === undefined ? [] : [{ field: 'add', id: fields.add, table: 'users' as const }]),
        ...(fields.remove === undefined ? [] : [{ field: 'remove', id: fields.remove, table: 'users' as const }]),
      ];
      await requireExisting(client, named);
      const { rows } = await client.query(
        `INSERT INTO schedule_overrides (id, schedule_id, starts_at, ends_at, add_user_id, remove_user_id) VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING ${OVERRIDE_COLUMNS}`,
        [newId('ovr'), scheduleId, fields.start, fields.end, fields.add ?? null, fields.remove ?? null],
      );
      return overrideRecord(rows[0]);
    });
  } catch (err) {
    throw goneMeanwhile(err);
  }
}

/** A schedule's overrides, newest first, `limit` with ids below `before`. */
export async function listOverrides(pool: Pool, scheduleId: string, { before, limit }: { before?: string; limit: number }): Promise<OverrideRecord[]> {
  const { rows } = await pool.query(
    `SELECT ${OVERRIDE_COLUMNS} FROM schedule_overrides WHERE schedule_id = $1 AND ($2::text IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
    [scheduleId, before ?? null, limit],
  );
  return rows.map(overrideRecord);
}

export async function deleteOverride(pool: Pool, scheduleId: string, id: string): Promise<boolean> {
  return ((await pool.query('DELETE FROM schedule_overrides WHERE schedule_id = $1 AND id = $2', [scheduleId, id])).rowCount ?? 0) > 0;
}

/**
 * What the on-call computation needs for [from, to): the schedule's rules, the rotations they name, and the overrides
 * that overlap the range, in the order they were made. Undefined when there is no such schedule. Read in one
 * repeatable-read transaction, so the three agree.
 */
export async function readOnCallPlan(pool: Pool, scheduleId: string, from: number, to: number): Promise<OnCallPlan | undefined> {
  return inTransaction(pool, async (client) => {
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const schedule = await findSchedule(client, scheduleId);
    if (!schedule) return undefined;
    const rotationIds = schedule.rules.flatMap((r) => (r.rotationId === undefined ? [] : [r.rotationId]));
    const rotations = rotationIds.length > 0 ? await findRotations(client, rotationIds) : [];
    const { rows } = await client.query<Override>(
      `SELECT extract(epoch FROM starts_at) * 1000 AS start, extract(epoch FROM ends_at) * 1000 AS "end", add_user_id AS add, remove_user_id AS remove
       FROM schedule_overrides WHERE schedule_id = $1 AND ends_at > $2 AND starts_at < $3 ORDER BY sequence`,
      [scheduleId, new Date(from), new Date(to)],
    );
    const overrides = rows.map((o) => ({
      start: Number(o.start),
      end: Number(o.end),
      ...(o.add === null ? {} : { add: o.add }),
      ...(o.remove === null ? {} : { remove: o.remove }),
    }));
    return { timeZone: schedule.timeZone, rules: schedule.rules, rotations: new Map(rotations.map((r) => [r.id, rotationOf(r)])), overrides };
  });
}

/** The schedules that can put the user on call: by a rule naming them, a rotation they are in, or an override adding them. */
export async function schedulesOfUser(pool: Pool, userId: string): Promise<{ id: string; name: string }[]> {
  const { rows } = await pool.query<{ id: string; name: string }>(
    `SELECT id, name FROM schedules WHERE id IN (
       SELECT schedule_id FROM schedule_rules WHERE user_id = $1
       UNION SELECT r.schedule_id FROM schedule_rules r JOIN rotation_participants p ON p.rotation_id = r.rotation_id WHERE p.user_id = $1
       UNION SELECT schedule_id FROM schedule_overrides WHERE add_user_id = $1)
     ORDER BY id`,
    [userId],
  );
  return rows;
}
