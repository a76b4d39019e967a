import { PingRecorder } from '../../src/db/pings';
import { upsertTarget } from '../../src/db/targets';
import { TargetSpecSchema } from '../../src/domain/target';
import { useStack } from '../support/stack';
import { testSecrets } from '../support/codec';

describe('the group-commit ping recorder', () => {
  const stack = useStack({ db: true });
  const token = (n: number) => `recorder-token-${String(n).padStart(10, '0')}`;

  beforeAll(async () => {
    for (const n of [1, 2]) {
      const spec = TargetSpecSchema.parse({ name: `cron-${n}`, intervalSeconds: 60, probe: { kind: 'heartbeat', token: token(n) } });
      await upsertTarget(stack.db.pool, testSecrets, { targetId: `tgt_PINGS${n}`, spec, version: 1, paused: n === 2 });
    }
    await stack.db.pool.query("UPDATE target_status SET state = 'down' WHERE target_id = 'tgt_PINGS1'");
  });

  it('records concurrent pings in one batch, each answered with its own target, and an unknown token with nothing', async () => {
    const recorder = new PingRecorder(stack.db.pool, { maxBatch: 500, maxInFlight: 1 });
    // Watched, not replaced: every statement still reaches the database.
    const statements = jest.spyOn(stack.db.pool, 'query');
    try {
      // The first goes out alone; the four that arrive while it is in flight go together in the second statement.
      const answers = await Promise.all([
        recorder.record({ token: token(1), kind: 'start', source: '10.0.0.1' }),
        recorder.record({ token: token(1), kind: 'success', source: '10.0.0.1' }),
        recorder.record({ token: 'no-such-token-000000000000', kind: 'success', source: null }),
        recorder.record({ token: token(2), kind: 'fail', source: null }),
        recorder.record({ token: token(1), kind: 'fail', source: null }),
      ]);
      expect(statements).toHaveBeenCalledTimes(2);
      expect(answers).toEqual([
        { targetId: 'tgt_PINGS1', paused: false, state: 'down' },
        { targetId: 'tgt_PINGS1', paused: false, state: 'down' },
        undefined,
        { targetId: 'tgt_PINGS2', paused: true, state: 'unknown' },
        { targetId: 'tgt_PINGS1', paused: false, state: 'down' },
      ]);
    } finally {
      statements.mockRestore();
    }
    // Stamped as inserted: within a batch, each target's pings keep the order they came in.
    const { rows } = await stack.db.pool.query('SELECT target_id, kind, source FROM pings ORDER BY received_at, id');
    expect(rows).toEqual([
      { target_id: 'tgt_PINGS1', kind: 'start', source: '10.0.0.1' },
      { target_id: 'tgt_PINGS1', kind: 'success', source: '10.0.0.1' },
      { target_id: 'tgt_PINGS2', kind: 'fail', source: null },
      { target_id: 'tgt_PINGS1', kind: 'fail', source: null },
    ]);
  });
});
