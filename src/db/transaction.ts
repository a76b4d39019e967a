import type { Pool, PoolClient } from 'pg';

/** Runs `work` on one connection inside a transaction: committed if it returns, rolled back if it throws. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

/** The constraint a Postgres error names when it is a unique (23505) or foreign key (23503) violation. */
export const violated = (err: unknown, code: '23505' | '23503'): string | undefined => {
  const e = err as { code?: string; constraint?: string };
  return e?.code === code ? e.constraint : undefined;
};

/** A delete refused because other rows still name the row: an ON DELETE RESTRICT (23001) or NO ACTION (23503) foreign key. */
export const stillReferenced = (err: unknown): boolean => ['23001', '23503'].includes((err as { code?: string })?.code ?? '');
