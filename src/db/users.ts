import type { Pool } from 'pg';
import type { ContactMethod, NotificationRule, UserInput } from '../domain/users';
import { newId } from '../ids';
import { stillReferenced, violated } from './transaction';

/** Users: people who can be on call, with their contact methods and notification rules. */

export interface UserRecord {
  id: string;
  key: string | null;
  name: string;
  email: string;
  timeZone: string;
  contactMethods: ContactMethod[];
  notificationRules: NotificationRule[];
  createdAt: Date;
  updatedAt: Date;
}

export class EmailTakenError extends Error {
  override name = 'EmailTakenError';
}

/** Another user has the key. */
export class UserKeyTakenError extends Error {
  override name = 'UserKeyTakenError';
}

const COLUMNS = `id, key, name, email, time_zone AS "timeZone", contact_methods AS "contactMethods", notification_rules AS "notificationRules",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/** A unique violation as the error saying which: the e-mail address or the key. */
const taken = (err: unknown) => {
  const constraint = violated(err, '23505');
  if (constraint === 'users_email_key') return new EmailTakenError('another user has this e-mail address');
  if (constraint === 'users_key_key') return new UserKeyTakenError('another user has this key');
  return err;
};

export async function insertUser(pool: Pool, user: UserInput): Promise<UserRecord> {
  const values = [
    newId('usr'),
    user.name,
    user.email,
    user.timeZone,
    JSON.stringify(user.contactMethods),
    JSON.stringify(user.notificationRules),
    user.key ?? null,
  ];
  try {
    const { rows } = await pool.query<UserRecord>(
      `INSERT INTO users (id, name, email, time_zone, contact_methods, notification_rules, key) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      values,
    );
    return rows[0]!;
  } catch (err) {
    throw taken(err);
  }
}

export async function findUser(pool: Pool, id: string): Promise<UserRecord | undefined> {
  const { rows } = await pool.query<UserRecord>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
  return rows[0];
}

/** Newest first, `limit` users with ids below `before`; with `key`, the one user of that key. */
export async function listUsers(pool: Pool, { before, limit, key }: { before?: string; limit: number; key?: string }): Promise<UserRecord[]> {
  const { rows } = await pool.query<UserRecord>(
    `SELECT ${COLUMNS} FROM users WHERE ($1::text IS NULL OR id < $1) AND ($3::text IS NULL OR key = $3) ORDER BY id DESC LIMIT $2`,
    [before ?? null, limit, key ?? null],
  );
  return rows;
}

/** The users among `ids` that do not exist. */
export async function missingUsers(pool: Pool, ids: readonly string[]): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM users WHERE id = ANY($1)', [[...new Set(ids)]]);
  const found = new Set(rows.map((r) => r.id));
  return ids.filter((id) => !found.has(id));
}

/** Replaces its fields; undefined when there is no such user. */
export async function replaceUser(pool: Pool, id: string, user: UserInput): Promise<UserRecord | undefined> {
  try {
    const { rows } = await pool.query<UserRecord>(
      `UPDATE users SET name = $2, email = $3, time_zone = $4, contact_methods = $5, notification_rules = $6, key = $7, updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, user.name, user.email, user.timeZone, JSON.stringify(user.contactMethods), JSON.stringify(user.notificationRules), user.key ?? null],
    );
    return rows[0];
  } catch (err) {
    throw taken(err);
  }
}

/** What names the user: rotations, schedules (by their rules or overrides). A user named anywhere cannot be deleted. */
export async function whereUserIsNamed(pool: Pool, id: string): Promise<{ rotations: string[]; schedules: string[] }> {
  const { rows } = await pool.query<{ rotations: string[]; schedules: string[] }>(
    `SELECT array(SELECT DISTINCT rotation_id FROM rotation_participants WHERE user_id = $1 ORDER BY 1) AS rotations,
            array(SELECT schedule_id FROM schedule_rules WHERE user_id = $1
                  UNION SELECT schedule_id FROM schedule_overrides WHERE add_user_id = $1 OR remove_user_id = $1 ORDER BY 1) AS schedules`,
    [id],
  );
  return rows[0]!;
}

export class UserInUseError extends Error {
  override name = 'UserInUseError';
}

/** False when there is no such user; a user a rotation, schedule or escalation policy names is refused (UserInUseError). */
export async function deleteUser(pool: Pool, id: string): Promise<boolean> {
  try {
    return ((await pool.query('DELETE FROM users WHERE id = $1', [id])).rowCount ?? 0) > 0;
  } catch (err) {
    if (stillReferenced(err)) throw new UserInUseError('a rotation, schedule or escalation policy names this user');
    throw err;
  }
}

/** Who the ids name, as the on-call answers show them; ids of users since deleted are left out. */
export async function peopleByIds(pool: Pool, ids: readonly string[]): Promise<Map<string, { id: string; name: string; email: string }>> {
  const { rows } = await pool.query<{ id: string; name: string; email: string }>('SELECT id, name, email FROM users WHERE id = ANY($1)', [[...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, r]));
}
