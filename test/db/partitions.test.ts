import { ensureCheckResultPartitions } from '../../src/db/partitions';
import { useStack } from '../support/stack';

describe('check_results day partitions', () => {
  const stack = useStack({ db: true });

  const partitionOf = async (at: Date) =>
    (
      await stack.db.pool.query(
        `INSERT INTO check_results (target_id, scheduled_at, started_at, outcome) VALUES ('tgt_P', $1, $1, 'up')
         RETURNING tableoid::regclass::text AS part`,
        [at],
      )
    ).rows[0].part;

  it('files each result in the partition of its UTC day', async () => {
    expect(await partitionOf(new Date())).toBe(`check_results_${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`);
  });

  it('keeps results that arrive before their day has a partition, and moves them in when it is created', async () => {
    const farFuture = new Date(Date.now() + 30 * 86_400_000);
    expect(await partitionOf(farFuture)).toBe('check_results_default');
    const created = await ensureCheckResultPartitions(stack.db.pool, 1, farFuture);
    expect(created).toContain(`check_results_${farFuture.toISOString().slice(0, 10).replaceAll('-', '')}`);
    const { rows } = await stack.db.pool.query('SELECT tableoid::regclass::text AS part FROM check_results WHERE target_id = $1 AND scheduled_at = $2', [
      'tgt_P',
      farFuture,
    ]);
    expect(rows).toEqual([{ part: created.find((p) => p.endsWith(farFuture.toISOString().slice(0, 10).replaceAll('-', ''))) }]);
    expect(await ensureCheckResultPartitions(stack.db.pool, 1, farFuture)).toEqual([]);
  });
});
