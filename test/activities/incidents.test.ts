import { MockActivityEnvironment, TestWorkflowEnvironment } from '@temporalio/testing';
import { createIncidentActivities, type ReportTargetDownInput } from '../../src/activities/incidents';
import { recordIncidentChange } from '../../src/db/incidents';
import { VIGIL } from '../../src/domain/incident';
import { incidentId, incidentWorkflowId } from '../../src/ids';
import { acknowledgeUpdate, INCIDENT_SEARCH_ATTRIBUTES } from '../../src/contracts/incident';
import { eventually } from '../support/eventually';
import { readTestEnv } from '../support/env';
import { startWorker } from '../support/worker';
import { useStack } from '../support/stack';
import { incidentRow } from '../support/incidents';

const inActivity = <R>(fn: () => Promise<R>): Promise<R> => new MockActivityEnvironment().run(fn) as Promise<R>;

/** Opening incidents against a real dev server whose namespace lacks Vigil's search attributes. */
describe('reportTargetDown', () => {
  const stack = useStack({ db: true });
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    const { cli } = readTestEnv();
    // Deliberately without `searchAttributes`: a namespace nobody ran deploy/temporal-setup.sh on, so not the stack's.
    env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: cli }, extraArgs: ['--log-level', 'error'] } });
    stack.onStop(() => env.teardown());
    const worker = await startWorker(env, stack.db.pool);
    stack.onStop(() => worker.stop());
  });

  const report = (targetId: string, sequence = 0): ReportTargetDownInput => ({
    targetId,
    targetName: 'shop',
    sequence,
    at: Date.now(),
    reason: '2 consecutive failed probes',
    flapping: false,
    escalationPolicyId: null,
    autoResolve: true,
    reopenWindowSeconds: 900,
  });

  it('opens the incident without search attributes when the namespace lacks them, and it works all the same', async () => {
    const activities = createIncidentActivities({ pool: stack.db.pool, temporal: env.client });
    const targetId = 'tgt_01M8B7Z5CFY505SXTDD14RPC6R';
    expect(await inActivity(() => activities.reportTargetDown(report(targetId)))).toEqual({ sequence: 1 });
    const handle = env.client.workflow.getHandle(incidentWorkflowId(incidentId(targetId, 1)));
    await eventually(async () =>
      expect((await stack.db.pool.query('SELECT state FROM incidents WHERE target_id = $1', [targetId])).rows).toEqual([{ state: 'triggered' }]),
    );
    // A change of state would upsert VigilState where it exists; here it must not, or the workflow task would fail.
    expect(await handle.executeUpdate(acknowledgeUpdate, { args: [{ actionId: 'a', by: { id: 'key_1', name: 'alice' } }] })).toMatchObject({
      state: 'acknowledged',
    });
    expect((await handle.describe()).typedSearchAttributes.get(INCIDENT_SEARCH_ATTRIBUTES.state)).toBeUndefined();
    expect((await handle.describe()).memo).toMatchObject({ targetId, targetName: 'shop' });
    await handle.terminate('test over');
  });

  it('never reuses the sequence of an incident that closed, even once Temporal has forgotten it', async () => {
    const activities = createIncidentActivities({ pool: stack.db.pool, temporal: env.client });
    const targetId = 'tgt_01M8B7Z5CFY505SXTDD14RPC6S';
    // Incident 1 closed long ago: its workflow is past the namespace's retention, only Postgres remembers it.
    await recordIncidentChange(
      stack.db.pool,
      incidentRow({
        id: incidentId(targetId, 1),
        targetId,
        state: 'resolved',
        reason: 'old outage',
        resolved: { by: VIGIL, at: Date.now() - 86_400_000 },
        openedAt: Date.now() - 90_000_000,
        closedAt: Date.now() - 80_000_000,
        version: 3,
      }),
      { seq: 3, at: Date.now() - 80_000_000, kind: 'closed', actor: VIGIL, message: 'closed' },
    );
    expect(await inActivity(() => activities.reportTargetDown(report(targetId, 1)))).toEqual({ sequence: 2 });
    await eventually(async () => {
      const { rows } = await stack.db.pool.query('SELECT sequence, state, reason FROM incidents WHERE target_id = $1 ORDER BY sequence', [targetId]);
      expect(rows).toEqual([
        { sequence: 1, state: 'resolved', reason: 'old outage' },
        { sequence: 2, state: 'triggered', reason: '2 consecutive failed probes' },
      ]);
    });
    await env.client.workflow.getHandle(incidentWorkflowId(incidentId(targetId, 2))).terminate('test over');
  });
});
