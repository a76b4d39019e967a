import { type ApplicationFailure, WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createIncidentActivities } from '../../src/activities/incidents';
import { upsertTarget } from '../../src/db/targets';
import { TargetSpecSchema, type TargetSpec } from '../../src/domain/target';
import { incidentId, incidentWorkflowId, TASK_QUEUE, targetWorkflowId } from '../../src/ids';
import { addNoteUpdate, type IncidentWorkflow } from '../../src/contracts/incident';
import { statusQuery, updateTargetUpdate } from '../../src/contracts/target';
import { targetWorkflow } from '../../src/workflows/target';
import { eventually } from '../support/eventually';
import { useStack } from '../support/stack';
import { testSecrets } from '../support/codec';

/**
 * What a workflow does when Postgres refuses, for good, what one of its activities writes (the activity fails
 * non-retryably: test/activities/unstorable.test.ts): nothing waits on it for ever. NUL in text stands for any such
 * value; the API refuses it before it gets this far (test/api/unstorable-input.test.ts).
 */
describe('workflows whose writes Postgres refuses', () => {
  const stack = useStack({ temporal: 'time-skipping', worker: true });
  let n = 0;
  /** Ends a workflow before the worker stops, so that the worker need not wait for it. */
  const terminatedAtTheEnd = (handle: { terminate(reason: string): Promise<unknown> }) =>
    stack.onStop(() => handle.terminate('test over').catch(() => undefined));

  const nextTargetId = () => `tgt_UNS${String(++n).padStart(23, '0')}`;
  const spec = (fields: Record<string, unknown> = {}): TargetSpec =>
    TargetSpecSchema.parse({ name: 'shop', intervalSeconds: 3600, probe: { kind: 'http', url: 'http://127.0.0.1:9/' }, ...fields });
  const startTarget = async (targetId: string, s: TargetSpec) => {
    const handle = await stack.temporal.client.workflow.start(targetWorkflow, {
      workflowId: targetWorkflowId(targetId),
      taskQueue: TASK_QUEUE,
      args: [{ targetId, spec: s, version: 1 }],
    });
    terminatedAtTheEnd(handle);
    return handle;
  };
  const rows = async (targetId: string) => (await stack.db.pool.query('SELECT name, config_version FROM targets WHERE id = $1', [targetId])).rows;

  it('a target whose configuration cannot be stored ends at its first write, failed, with nothing stored', async () => {
    const targetId = nextTargetId();
    const handle = await startTarget(targetId, spec({ name: 'nul\u0000name' }));
    const failure = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    // The projection write is a local activity: its refusal is the workflow's failure as it is.
    expect((failure as WorkflowFailedError).cause).toMatchObject({ type: 'Unstorable' });
    expect((await handle.describe()).status.name).toBe('FAILED');
    expect(await rows(targetId)).toEqual([]);
  });

  it('an update whose configuration cannot be stored is refused, and the target keeps the one in force and takes the next', async () => {
    const targetId = nextTargetId();
    const first = spec();
    await upsertTarget(stack.db.pool, testSecrets, { targetId, spec: first, version: 1, paused: false });
    const handle = await startTarget(targetId, first);
    const refused = await handle.executeUpdate(updateTargetUpdate, { args: [{ spec: spec({ name: 'nul\u0000name' }) }] }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refused as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'TargetUnstorable' });
    expect(((refused as WorkflowUpdateFailedError).cause as ApplicationFailure).message).toMatch(
      /^the configuration cannot be stored: Postgres refused the write/,
    );
    expect(await handle.query(statusQuery)).toMatchObject({ version: 1, spec: { name: 'shop' } });
    expect(await rows(targetId)).toEqual([{ name: 'shop', config_version: 1 }]);

    expect(await handle.executeUpdate(updateTargetUpdate, { args: [{ spec: spec({ name: 'shop 2' }), expectedVersion: 1 }] })).toMatchObject({ version: 2 });
    expect(await rows(targetId)).toEqual([{ name: 'shop 2', config_version: 2 }]);
    expect((await handle.describe()).status.name).toBe('RUNNING');
  });

  it('an update to a ping token another target has is refused the same way, not retried until that target goes', async () => {
    const token = 'K'.repeat(43);
    const owner = nextTargetId();
    await upsertTarget(stack.db.pool, testSecrets, { targetId: owner, spec: spec({ probe: { kind: 'heartbeat', token } }), version: 1, paused: false });
    const targetId = nextTargetId();
    const own = spec({ probe: { kind: 'heartbeat', token: 'L'.repeat(43) } });
    await upsertTarget(stack.db.pool, testSecrets, { targetId, spec: own, version: 1, paused: false });
    const handle = await startTarget(targetId, own);
    const refused = await handle.executeUpdate(updateTargetUpdate, { args: [{ spec: spec({ probe: { kind: 'heartbeat', token } }) }] }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((refused as WorkflowUpdateFailedError).cause).toMatchObject({
      type: 'TargetUnstorable',
      message: 'the configuration cannot be stored: another target has this ping token',
    });
    expect((await handle.query(statusQuery)).version).toBe(1);
  });

  it('a note that cannot be stored is refused, recorded nowhere, and the same action can be made again', async () => {
    const targetId = nextTargetId();
    const activities = createIncidentActivities({ pool: stack.db.pool, temporal: stack.temporal.client });
    const report = {
      targetId,
      targetName: 'shop',
      sequence: 0,
      at: await stack.temporal.currentTimeMs(),
      reason: 'down',
      flapping: false,
      escalationPolicyId: null,
      autoResolve: true,
      reopenWindowSeconds: 900,
    };
    const { sequence } = (await new MockActivityEnvironment().run(() => activities.reportTargetDown(report))) as { sequence: number };
    const id = incidentId(targetId, sequence);
    const handle: WorkflowHandle<IncidentWorkflow> = stack.temporal.client.workflow.getHandle(incidentWorkflowId(id));
    terminatedAtTheEnd(handle);
    const timeline = async () => (await stack.db.pool.query('SELECT kind, message FROM incident_events WHERE incident_id = $1 ORDER BY seq', [id])).rows;
    await eventually(async () => expect(await timeline()).toHaveLength(1));

    const action = { actionId: 'act_note1', by: { id: 'key_1', name: 'alice' } };
    const refused = await handle.executeUpdate(addNoteUpdate, { args: [{ ...action, text: 'n\u0000' }] }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refused as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'NoteUnstorable' });
    expect((await timeline()).map((e) => e.kind)).toEqual(['opened']);

    await handle.executeUpdate(addNoteUpdate, { args: [{ ...action, text: 'rolled back the deploy' }] });
    expect(await timeline()).toEqual([
      { kind: 'opened', message: expect.any(String) },
      { kind: 'note', message: 'rolled back the deploy' },
    ]);
    expect((await handle.describe()).status.name).toBe('RUNNING');
  });
});
