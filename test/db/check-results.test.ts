import { CheckResultWriter, type CheckResultRow } from '../../src/db/check-results';
import { upsertTarget } from '../../src/db/targets';
import { TargetSpecSchema } from '../../src/domain/target';
import { useStack } from '../support/stack';
import { resultRow } from '../support/seed';
import { testSecrets } from '../support/codec';

describe('the group-commit result writer', () => {
  const stack = useStack({ db: true });
  beforeAll(async () => {
    await upsertTarget(stack.db.pool, testSecrets, {
      targetId: 'tgt_WRITER',
      spec: TargetSpecSchema.parse({ name: 'writer', intervalSeconds: 30, probe: { kind: 'http', url: 'https://example.com' } }),
      version: 1,
      paused: false,
    });
  });

  const row = (scheduledAt: number, outcome: CheckResultRow['outcome'], latencyMs: number) => resultRow('tgt_WRITER', scheduledAt, outcome, { latencyMs });

  it('records a slot written twice in one batch once, and tells the second write what the first stored', async () => {
    const writer = new CheckResultWriter(stack.db.pool, { maxBatch: 500, maxInFlight: 1, lingerMs: 0 });
    const t = Date.parse('2026-01-12T08:00:00Z');
    // The first write goes out alone; the next two wait for it and go together, in one batch.
    const [, first, second] = await Promise.all([
      writer.write(row(t, 'up', 10)),
      writer.write(row(t + 30_000, 'up', 20)),
      writer.write(row(t + 30_000, 'down', 900)),
    ]);
    expect(first).toEqual({ status: 'recorded' });
    expect(second).toEqual({ status: 'duplicate', stored: { outcome: 'up', latencyMs: 20, error: null } });
    const { rows } = await stack.db.pool.query('SELECT probes, latency_count FROM check_rollups_hourly WHERE target_id = $1', ['tgt_WRITER']);
    expect(rows).toEqual([{ probes: 2, latency_count: 2 }]);
  });
});
