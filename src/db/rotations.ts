import type { Pool, PoolClient } from 'pg';
import type { Rotation } from '../domain/rotation';
import type { ShiftUnit } from '../domain/zone-time';
import { newId } from '../ids';
import { inTransaction, stillReferenced, violated } from './transaction';

/** Rotations and their participants, in turn order. */

export interface RotationFields {
  name: string;
  key: string | null;
  timeZone: string;
  shiftLength: number;
  shiftUnit: ShiftUnit;
  start: Date;
  turnOffset: number;
  participants: string[];
}

export interface RotationRecord extends RotationFields {
  id: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Users a rotation names that do not exist (`missing`; empty when one was deleted meanwhile). */
export class UnknownParticipantsError extends Error {
  override name = 'UnknownParticipantsError';
  constructor(readonly missing: string[]) {
    super(`no such users: ${missing.join(', ')}`);
  }
}

export class RotationInUseError extends Error {
  override name = 'RotationInUseError';
}

export class RotationKeyTakenError extends Error {
  override name = 'RotationKeyTakenError';
}

const keyTaken = (err: unknown) => (violated(err, '23505') === 'rotations_key_key' ? new RotationKeyTakenError('another rotation has this key') : err);

/** The rotation as the on-call computation takes it. */
export const rotationOf = (r: RotationRecord): Rotation => ({
  id: r.id,
  timeZone: r.timeZone,
  shiftLength: r.shiftLength,
  shiftUnit: r.shiftUnit,
  start: r.start.getTime(),
  participants: r.participants,
  turnOffset: r.turnOffset,
});

const SELECT = `
  SELECT r.id, r.key, r.name, r.time_zone AS "timeZone", r.shift_length AS "shiftLength", r.shift_unit AS "shiftUnit", r.start_at AS start,
         r.turn_offset AS "turnOffset", r.created_at AS "createdAt", r.updated_at AS "updatedAt",
         array(SELECT user_id FROM rotation_participants p WHERE p.rotation_id = r.id ORDER BY position) AS participants
  FROM rotations r`;

export async function findRotation(db: Pool | PoolClient, id: string, opts: { forUpdate?: boolean } = {}): Promise<RotationRecord | undefined> {
  const { rows } = await db.query<RotationRecord>(`${SELECT} WHERE r.id = $1${opts.forUpdate ? ' FOR UPDATE OF r' : ''}`, [id]);
  return rows[0];
}

export async function findRotations(db: Pool | PoolClient, ids: readonly string[]): Promise<RotationRecord[]> {
  const { rows } = await db.query<RotationRecord>(`${SELECT} WHERE r.id = ANY($1)`, [[...new Set(ids)]]);
  return rows;
}

/** Newest first, `limit` rotations with ids below `before`; with `key`, the one rotation of that key. */
export async function listRotations(pool: Pool, { before, limit, key }: { before?: string; limit: number; key?: string }): Promise<RotationRecord[]> {
  const { rows } = await pool.query<RotationRecord>(
    `${SELECT} WHERE ($1::text IS NULL OR r.id < $1) AND ($3::text IS NULL OR r.key = $3) ORDER BY r.id DESC LIMIT $2`,
    [before ?? null, limit, key ?? null],
  );
  return rows;
}

async function setParticipants(client: PoolClient, id: string, participants: readonly string[]): Promise<void> {
  const { rows } = await client.query<{ id: string }>('SELECT id FROM users WHERE id = ANY($1) FOR KEY SHARE', [[...new Set(participants)]]);
  const found = new Set(rows.map((r) => r.id));
  const missing = participants.filter((p) => !found.has(p));
  if (missing.length > 0) throw new UnknownParticipantsError(missing);
  await client.query('DELETE FROM rotation_participants WHERE rotation_id = $1', [id]);
  await client.query(
    `INSERT INTO rotation_participants (rotation_id, position, user_id)
     SELECT $1, position - 1, user_id FROM unnest($2::text[]) WITH ORDINALITY AS p(user_id, position)`,
    [id, participants],
  );
}

export async function insertRotation(pool: Pool, fields: RotationFields): Promise<RotationRecord> {
  return inTransaction(pool, async (client) => {
    const id = newId('rot');
    await client.query(
      'INSERT INTO rotations (id, name, time_zone, shift_length, shift_unit, start_at, turn_offset, key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [id, fields.name, fields.timeZone, fields.shiftLength, fields.shiftUnit, fields.start, fields.turnOffset, fields.key],
    );
    await setParticipants(client, id, fields.participants);
    return (await findRotation(client, id))!;
  }).catch((err: unknown) => {
    throw keyTaken(err);
  });
}

/**
 * Changes a rotation to what `change` makes of it as it is now, the row locked meanwhile, so that two edits keeping
 * the person on call do not both start from the same state. Undefined when there is no such rotation.
 */
export async function updateRotation(pool: Pool, id: string, change: (current: RotationRecord) => RotationFields): Promise<RotationRecord | undefined> {
  return inTransaction(pool, async (client) => {
    const current = await findRotation(client, id, { forUpdate: true });
    if (!current) return undefined;
    const next = change(current);
    await client.query(
      `UPDATE rotations SET name = $2, time_zone = $3, shift_length = $4, shift_unit = $5, start_at = $6, turn_offset = $7, key = $8, updated_at = now()
       WHERE id = $1`,
      [id, next.name, next.timeZone, next.shiftLength, next.shiftUnit, next.start, next.turnOffset, next.key],
    );
    await setParticipants(client, id, next.participants);
    return findRotation(client, id);
  }).catch((err: unknown) => {
    throw keyTaken(err);
  });
}

/** False when there is no such rotation; one a schedule names is refused (RotationInUseError). */
export async function deleteRotation(pool: Pool, id: string): Promise<boolean> {
  try {
    return ((await pool.query('DELETE FROM rotations WHERE id = $1', [id])).rowCount ?? 0) > 0;
  } catch (err) {
    if (stillReferenced(err)) throw new RotationInUseError('a schedule or escalation policy names this rotation');
    throw err;
  }
}

/** The schedules whose rules name the rotation. */
export async function schedulesNamingRotation(pool: Pool, id: string): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>('SELECT DISTINCT schedule_id AS id FROM schedule_rules WHERE rotation_id = $1 ORDER BY 1', [id]);
  return rows.map((r) => r.id);
}
