import { MockActivityEnvironment } from '@temporalio/testing';
import { createFlipActivities } from '../../src/activities/flips';
import { upsertTarget } from '../../src/db/targets';
import type { Flip } from '../../src/domain/judge';
import { TargetSpecSchema } from '../../src/domain/target';
import { useStack } from '../support/stack';
import { testSecrets } from '../support/codec';

describe('recordFlip', () => {
  const stack = useStack({ db: true });
  let recordFlip: ReturnType<typeof createFlipActivities>['recordFlip'];
  const spec = TargetSpecSchema.parse({ name: 'f', intervalSeconds: 60, probe: { kind: 'http', url: 'https://example.com' } });

  beforeAll(async () => {
    ({ recordFlip } = createFlipActivities({ pool: stack.db.pool }));
  });

  const record = (targetId: string, flip: Flip) => new MockActivityEnvironment().run(recordFlip, { targetId, flip });
  const state = async (targetId: string) =>
    (await stack.db.pool.query('SELECT state, state_since FROM target_status WHERE target_id = $1', [targetId])).rows[0];

  it('moves the status to the new state even when the flip happened before the status row was written', async () => {
    const at = Date.now() - 5_000;
    await upsertTarget(stack.db.pool, testSecrets, { targetId: 'tgt_FLIPEARLY', spec, version: 1, paused: false });
    await record('tgt_FLIPEARLY', { from: 'unknown', to: 'up', at, reason: 'first success' });
    expect(await state('tgt_FLIPEARLY')).toEqual({ state: 'up', state_since: new Date(at) });
  });

  it('appends each flip once, however often it is recorded', async () => {
    await upsertTarget(stack.db.pool, testSecrets, { targetId: 'tgt_FLIPTWICE', spec, version: 1, paused: false });
    const flip: Flip = { from: 'unknown', to: 'down', at: Date.now(), reason: '2 consecutive failed probes' };
    await record('tgt_FLIPTWICE', flip);
    await record('tgt_FLIPTWICE', flip);
    const { rows } = await stack.db.pool.query('SELECT to_state, reason FROM flips WHERE target_id = $1', ['tgt_FLIPTWICE']);
    expect(rows).toEqual([{ to_state: 'down', reason: '2 consecutive failed probes' }]);
  });

  it('never lets a late retry of an older flip overwrite a newer state', async () => {
    await upsertTarget(stack.db.pool, testSecrets, { targetId: 'tgt_FLIPLATE', spec, version: 1, paused: false });
    const t = Date.now();
    await record('tgt_FLIPLATE', { from: 'up', to: 'down', at: t + 1_000, reason: 'newer' });
    await record('tgt_FLIPLATE', { from: 'unknown', to: 'up', at: t, reason: 'older' });
    expect((await state('tgt_FLIPLATE')).state).toBe('down');
  });
});
