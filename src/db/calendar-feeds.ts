import type { Pool } from 'pg';
import { inTransaction, violated } from './transaction';

/** iCalendar feeds: the SHA-256 of each feed's URL token, and whose feed it is (a schedule or a user). */

export type FeedOwner = { scheduleId: string } | { userId: string };

const column = (owner: FeedOwner) => ('scheduleId' in owner ? 'schedule_id' : 'user_id');
const idOf = (owner: FeedOwner) => ('scheduleId' in owner ? owner.scheduleId : owner.userId);

/** Gives the owner a feed with this token, replacing the one it had (whose URL stops working). False when the owner does not exist. */
export async function replaceCalendarFeed(pool: Pool, owner: FeedOwner, tokenHash: string): Promise<boolean> {
  try {
    await inTransaction(pool, async (client) => {
      await client.query(`DELETE FROM calendar_feeds WHERE ${column(owner)} = $1`, [idOf(owner)]);
      await client.query(`INSERT INTO calendar_feeds (token_hash, ${column(owner)}) VALUES ($1, $2)`, [tokenHash, idOf(owner)]);
    });
    return true;
  } catch (err) {
    if (violated(err, '23503')) return false;
    throw err;
  }
}

/** False when the owner had no feed. */
export async function deleteCalendarFeed(pool: Pool, owner: FeedOwner): Promise<boolean> {
  return ((await pool.query(`DELETE FROM calendar_feeds WHERE ${column(owner)} = $1`, [idOf(owner)])).rowCount ?? 0) > 0;
}

export async function findCalendarFeed(pool: Pool, tokenHash: string): Promise<(FeedOwner & { tokenHash: string }) | undefined> {
  const { rows } = await pool.query<{ tokenHash: string; scheduleId: string | null; userId: string | null }>(
    'SELECT token_hash AS "tokenHash", schedule_id AS "scheduleId", user_id AS "userId" FROM calendar_feeds WHERE token_hash = $1',
    [tokenHash],
  );
  const row = rows[0];
  if (!row) return undefined;
  return row.scheduleId !== null ? { tokenHash: row.tokenHash, scheduleId: row.scheduleId } : { tokenHash: row.tokenHash, userId: row.userId! };
}
