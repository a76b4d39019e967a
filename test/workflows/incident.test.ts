import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createIncidentActivities } from '../../src/activities/incidents';
import { insertChannel, insertPolicy, policySnapshot } from '../../src/db/escalation';
import { upsertTarget } from '../../src/db/targets';
import type { Actor } from '../../src/domain/incident';
import { TargetSpecSchema } from '../../src/domain/target';
import { incidentId, incidentWorkflowId, newId, TASK_QUEUE, targetWorkflowId } from '../../src/ids';
import {
  acknowledgeUpdate,
  addNoteUpdate,
  escalateUpdate,
  INCIDENT_SEARCH_ATTRIBUTES,
  incidentQuery,
  type IncidentWorkflow,
  reassignUpdate,
  resolveUpdate,
  snoozeUpdate,
  targetDownSignal,
} from '../../src/contracts/incident';
import { INCIDENT_HISTORY_EVENTS_PER_RUN } from '../../src/workflows/incident';
import { deleteTargetUpdate, pauseUpdate } from '../../src/contracts/target';
import { targetWorkflow } from '../../src/workflows/target';
import { eventually } from '../support/eventually';
import { startFakeTarget } from '../support/fake-target';
import { verifyWebhook } from '../support/webhook-receiver';
import { useStack } from '../support/stack';
import { testSecrets } from '../support/codec';

/** Runs an activity function in an activity context, as a worker would. */
const inActivity = <R>(fn: () => Promise<R>): Promise<R> => new MockActivityEnvironment().run(fn) as Promise<R>;

const alice: Actor = { id: 'key_alice', name: 'alice' };
const bob: Actor = { id: 'key_bob', name: 'bob' };
const SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;

/**
 * Incidents under the time-skipping server: escalation timers of minutes and reopen windows of a quarter hour pass in
 * seconds, while notifications go for real to a local webhook receiver and every change lands in Postgres.
 */
describe('incidentWorkflow', () => {
  // A test server and worker of its own for each test: one test's activities still retrying, or its sleep cut short by
  // a timeout, can otherwise hold the shared server's clock and stall every later test (seen on a busy machine).
  const stack = useStack({ temporal: 'time-skipping', worker: true, webhooks: true, site: true }, { perTest: true });
  let n = 0;
  /** Ends a workflow before the worker stops, so that the worker need not wait for it. */
  const terminatedAtTheEnd = (handle: { terminate(reason: string): Promise<unknown> }) =>
    stack.onStop(() => handle.terminate('test over').catch(() => undefined));

  const nextTargetId = () => `tgt_INC${String(++n).padStart(23, '0')}`;

  /** A webhook channel posting to `path` on the receiver. */
  const channel = async (path: string) =>
    insertChannel(stack.db.prisma, testSecrets, newId('chn'), {
      kind: 'webhook',
      name: path.slice(1),
      url: `${stack.webhooks.url}${path}`,
      signingSecret: SECRET,
    });

  /** A policy whose levels notify the given receiver paths, each level with its timeout in minutes. */
  async function policy(levels: { minutes: number; paths: string[] }[], repeat = 0) {
    const resolved = [];
    for (const level of levels)
      resolved.push({ timeoutSeconds: level.minutes * 60, channelIds: await Promise.all(level.paths.map(async (p) => (await channel(p)).id)) });
    return insertPolicy(stack.db.prisma, newId('esc'), { name: `policy ${n}`, description: '', repeat, levels: resolved });
  }

  /** Opens an incident exactly as a target's workflow does, through the activity. */
  async function open(settings: { escalationPolicyId: string | null; autoResolve?: boolean; reopenWindowSeconds?: number }, targetId = nextTargetId()) {
    const activities = createIncidentActivities({ pool: stack.db.pool, temporal: stack.temporal.client });
    const report = {
      targetId,
      targetName: `shop ${n}`,
      sequence: 0,
      at: await stack.temporal.currentTimeMs(),
      reason: '2 consecutive failed probes',
      flapping: false,
      autoResolve: true,
      reopenWindowSeconds: 900,
      ...settings,
    };
    const { sequence } = await inActivity(() => activities.reportTargetDown(report));
    const id = incidentId(targetId, sequence);
    const handle: WorkflowHandle<IncidentWorkflow> = stack.temporal.client.workflow.getHandle(incidentWorkflowId(id));
    terminatedAtTheEnd(handle);
    return { id, targetId, handle, report, activities };
  }

  const row = async (id: string) => (await stack.db.pool.query('SELECT * FROM incidents WHERE id = $1', [id])).rows[0];
  const timeline = async (id: string) =>
    (await stack.db.pool.query('SELECT kind FROM incident_events WHERE incident_id = $1 ORDER BY seq', [id])).rows.map((r) => r.kind);
  const types = (path: string) => stack.webhooks.accepted(path).map((a) => a.body.type);

  it('notifies level 1, escalates to level 2 when its timeout passes, stops once acknowledged, and resolves', async () => {
    const p = await policy([
      { minutes: 5, paths: ['/full-l1'] },
      { minutes: 10, paths: ['/full-l2'] },
    ]);
    const { id, handle, targetId } = await open({ escalationPolicyId: p.id });
    await eventually(() => expect(types('/full-l1')).toEqual(['incident.triggered']));
    const [page] = stack.webhooks.requests.filter((r) => r.path === '/full-l1');
    expect(verifyWebhook(page!, SECRET)).toBe(true);
    expect(JSON.parse(page!.body).data.incident).toMatchObject({ id, targetId, state: 'triggered', level: 1, round: 1, policyName: p.name });

    await stack.temporal.sleep('4m');
    expect(types('/full-l2')).toEqual([]);
    await stack.temporal.sleep('2m');
    await eventually(() => expect(types('/full-l2')).toEqual(['incident.escalated']));
    expect(await row(id)).toMatchObject({ state: 'triggered', level: 1, round: 0 });

    const acked = await handle.executeUpdate(acknowledgeUpdate, { args: [{ actionId: 'ack-1', by: alice }] });
    expect(acked).toMatchObject({ state: 'acknowledged', acknowledged: { by: alice } });
    expect(await row(id)).toMatchObject({ state: 'acknowledged', acknowledged_by: 'alice', acknowledged_by_id: 'key_alice' });
    await stack.temporal.sleep('3h');
    expect(types('/full-l1')).toEqual(['incident.triggered']);
    expect(types('/full-l2')).toEqual(['incident.escalated']);

    await handle.executeUpdate(resolveUpdate, { args: [{ actionId: 'res-1', by: bob, note: 'restarted the pool' }] });
    // Everyone paged hears of the resolution.
    await eventually(() => expect(types('/full-l1')).toEqual(['incident.triggered', 'incident.resolved']));
    await eventually(() => expect(types('/full-l2')).toEqual(['incident.escalated', 'incident.resolved']));
    expect(await row(id)).toMatchObject({ state: 'resolved', resolved_by: 'bob' });
    expect(await timeline(id)).toEqual(['opened', 'notified', 'escalated', 'notified', 'acknowledged', 'resolved']);
    const events = await stack.db.pool.query('SELECT actor_name, message FROM incident_events WHERE incident_id = $1 AND kind = $2', [id, 'resolved']);
    expect(events.rows).toEqual([{ actor_name: 'bob', message: 'resolved by bob: restarted the pool' }]);

    // Findable in the Temporal UI by its search attributes, which follow its state.
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(INCIDENT_SEARCH_ATTRIBUTES.incidentId)).toBe(id);
    expect(described.typedSearchAttributes.get(INCIDENT_SEARCH_ATTRIBUTES.targetId)).toBe(targetId);
    expect(described.typedSearchAttributes.get(INCIDENT_SEARCH_ATTRIBUTES.state)).toBe('resolved');
    // The reopen window passes, and the workflow ends: closed for good.
    await stack.temporal.sleep('20m');
    await handle.result();
    expect((await row(id)).closed_at).not.toBeNull();
  });

  it('repeats the whole chain, then marks the incident exhausted and says so; it can still be acknowledged', async () => {
    const p = await policy(
      [
        { minutes: 1, paths: ['/rep-l1'] },
        { minutes: 1, paths: ['/rep-l2'] },
      ],
      1,
    );
    const { id, handle } = await open({ escalationPolicyId: p.id });
    await eventually(() => expect(types('/rep-l1')).toHaveLength(1));
    await stack.temporal.sleep('10m');
    await eventually(async () => expect((await row(id)).state).toBe('exhausted'));
    expect(types('/rep-l1')).toEqual(['incident.triggered', 'incident.escalated']);
    expect(types('/rep-l2')).toEqual(['incident.escalated', 'incident.escalated']);
    const exhausted = await stack.db.pool.query(`SELECT message FROM incident_events WHERE incident_id = $1 AND kind = 'exhausted'`, [id]);
    expect(exhausted.rows[0].message).toMatch(/nobody acknowledged after 2 rounds/);
    expect(await handle.executeUpdate(acknowledgeUpdate, { args: [{ actionId: 'late-ack', by: alice }] })).toMatchObject({ state: 'acknowledged' });
  });

  it('changes nothing on repeated actions and reports; a retried open opens no second incident', async () => {
    const p = await policy([{ minutes: 5, paths: ['/dup-l1'] }]);
    const { id, handle, report, activities } = await open({ escalationPolicyId: p.id });
    await eventually(() => expect(types('/dup-l1')).toHaveLength(1));
    // The target workflow's activity, retried: the same incident, no second page.
    expect(await inActivity(() => activities.reportTargetDown(report))).toEqual({ sequence: 1 });
    await handle.signal(targetDownSignal, { at: report.at, reason: report.reason, flapping: false });

    const ack = { actionId: 'ack-dup', by: alice };
    await handle.executeUpdate(acknowledgeUpdate, { args: [ack] });
    await handle.executeUpdate(acknowledgeUpdate, { args: [ack] });
    await handle.executeUpdate(acknowledgeUpdate, { args: [{ actionId: 'ack-other', by: bob }] });
    const note = { actionId: 'note-1', by: bob, text: 'looking at the load balancer' };
    await handle.executeUpdate(addNoteUpdate, { args: [note] });
    await handle.executeUpdate(addNoteUpdate, { args: [note] });
    await handle.executeUpdate(resolveUpdate, { args: [{ actionId: 'res-a', by: alice }] });
    await handle.executeUpdate(resolveUpdate, { args: [{ actionId: 'res-b', by: bob }] });

    expect(await timeline(id)).toEqual(['opened', 'notified', 'acknowledged', 'note', 'resolved']);
    expect(await row(id)).toMatchObject({ state: 'resolved', acknowledged_by: 'alice', resolved_by: 'alice' });
    await eventually(() => expect(types('/dup-l1')).toEqual(['incident.triggered', 'incident.resolved']));
    await expect(handle.executeUpdate(escalateUpdate, { args: [{ actionId: 'esc-late', by: bob }] })).rejects.toMatchObject({
      cause: { type: 'IncidentResolved' },
    });
    expect((await stack.db.pool.query('SELECT count(*)::int AS n FROM incidents WHERE target_id = $1', [report.targetId])).rows[0].n).toBe(1);
  });

  it('snoozes: acknowledged until the snooze ends, then re-notifies the level it had reached', async () => {
    const p = await policy([{ minutes: 5, paths: ['/snooze-l1'] }]);
    const { id, handle } = await open({ escalationPolicyId: p.id });
    await eventually(() => expect(types('/snooze-l1')).toHaveLength(1));
    const snoozed = await handle.executeUpdate(snoozeUpdate, { args: [{ actionId: 'snz', by: alice, seconds: 1800 }] });
    expect(snoozed).toMatchObject({ state: 'acknowledged', snoozedUntil: expect.any(Number) });
    await stack.temporal.sleep('25m');
    expect(types('/snooze-l1')).toEqual(['incident.triggered']);
    await stack.temporal.sleep('6m');
    await eventually(() => expect(types('/snooze-l1')).toEqual(['incident.triggered', 'incident.renotified']));
    expect(await row(id)).toMatchObject({ state: 'triggered', snoozed_until: null, acknowledged_by: null });
    await expect(handle.executeUpdate(snoozeUpdate, { args: [{ actionId: 'snz-bad', by: alice, seconds: 5 }] })).rejects.toBeInstanceOf(
      WorkflowUpdateFailedError,
    );
  });

  it('escalates now on request, and reassigns to an assignee and to another policy, which pages from its first level', async () => {
    const p = await policy([
      { minutes: 30, paths: ['/now-l1'] },
      { minutes: 30, paths: ['/now-l2'] },
    ]);
    const other = await policy([{ minutes: 30, paths: ['/other-l1'] }]);
    const { id, handle } = await open({ escalationPolicyId: p.id });
    await eventually(() => expect(types('/now-l1')).toHaveLength(1));
    await handle.executeUpdate(escalateUpdate, { args: [{ actionId: 'esc-now', by: alice }] });
    await eventually(() => expect(types('/now-l2')).toEqual(['incident.escalated']));

    const reassigned = await handle.executeUpdate(reassignUpdate, { args: [{ actionId: 'ra', by: alice, assignee: 'carol', policy: policySnapshot(other) }] });
    expect(reassigned).toMatchObject({ assignee: 'carol', state: 'triggered', level: 0, policy: { id: other.id } });
    await eventually(() => expect(types('/other-l1')).toEqual(['incident.triggered']));
    expect(await row(id)).toMatchObject({ assignee: 'carol', escalation_policy_id: other.id });
    expect(await timeline(id)).toEqual(['opened', 'notified', 'escalated', 'notified', 'reassigned', 'notified']);
  });

  it('delivers each notification once by its Idempotency-Key when the receiver fails the first attempt, recording two attempts', async () => {
    stack.webhooks.behave('/flaky', 'fail-first');
    const p = await policy([{ minutes: 5, paths: ['/flaky'] }]);
    const { id } = await open({ escalationPolicyId: p.id });
    await eventually(() => expect(stack.webhooks.accepted('/flaky')).toHaveLength(1), 60_000);
    const attempts = stack.webhooks.requests.filter((r) => r.path === '/flaky');
    expect(attempts.map((r) => r.status)).toEqual([500, 200]);
    expect(new Set(attempts.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    // The body is the one the workflow decided, unchanged by the retry; each attempt is signed afresh.
    expect(attempts[0]!.body).toBe(attempts[1]!.body);
    expect(attempts.every((r) => verifyWebhook(r, SECRET))).toBe(true);
    await eventually(async () => {
      const { rows } = await stack.db.pool.query('SELECT status, attempts, last_error FROM notification_deliveries WHERE incident_id = $1', [id]);
      expect(rows).toEqual([{ status: 'delivered', attempts: 2, last_error: expect.stringMatching(/HTTP 500/) }]);
    });
  });

  it('a dead channel delays neither a live one beside it nor the next level', async () => {
    stack.webhooks.behave('/dead', 'hang');
    const p = await policy([
      { minutes: 5, paths: ['/dead', '/live-l1'] },
      { minutes: 5, paths: ['/live-l2'] },
    ]);
    const { id } = await open({ escalationPolicyId: p.id });
    const opened = Date.now();
    // Delivered while its sibling's first attempt still hangs (each attempt may take 10 s).
    await eventually(() => expect(types('/live-l1')).toEqual(['incident.triggered']));
    expect(Date.now() - opened).toBeLessThan(5_000);
    // Sent beside it, so it may reach the receiver a moment later; it stays unanswered.
    await eventually(() => expect(stack.webhooks.requests.filter((r) => r.path === '/dead')).toHaveLength(1));
    // The test server holds its clock while an activity attempt runs; failing fast from now on lets it move on.
    stack.webhooks.behave('/dead', 'fail');
    await stack.temporal.sleep('6m');
    await eventually(() => expect(types('/live-l2')).toEqual(['incident.escalated']));
    // Level 2 was decided one timeout after level 1 in workflow time (plus the write of the escalation event): the dead
    // channel's attempts, at least 10 s of workflow time for the one that hung, did not hold the escalation timer back.
    const [l1] = stack.webhooks.accepted('/live-l1');
    const [l2] = stack.webhooks.accepted('/live-l2');
    const between = Date.parse(l2!.body.timestamp as string) - Date.parse(l1!.body.timestamp as string);
    expect(between).toBeGreaterThanOrEqual(5 * 60_000);
    expect(between).toBeLessThan(5 * 60_000 + 5_000);
    const { rows } = await stack.db.pool.query(
      'SELECT channel_name, status, attempts, last_error FROM notification_deliveries WHERE incident_id = $1 ORDER BY channel_name',
      [id],
    );
    expect(rows).toEqual([
      {
        channel_name: 'dead',
        status: expect.stringMatching(/^(pending|failed)$/),
        attempts: expect.any(Number),
        last_error: expect.stringMatching(/no answer within 10 s|HTTP 500/),
      },
      { channel_name: 'live-l1', status: 'delivered', attempts: 1, last_error: null },
      { channel_name: 'live-l2', status: 'delivered', attempts: 1, last_error: null },
    ]);
    expect(rows[0].attempts).toBeGreaterThanOrEqual(2);
  });

  it('continues as new when its history grows, carrying its state, its timeline and its escalation timer on', async () => {
    const p = await policy([{ minutes: 60, paths: ['/can-l1'] }]);
    const { id, handle } = await open({ escalationPolicyId: p.id });
    await eventually(() => expect(types('/can-l1')).toHaveLength(1));
    const firstRun = (await handle.describe()).runId;
    // Each note costs about eight history events: enough of them pass the run's limit.
    const notes = Math.ceil(INCIDENT_HISTORY_EVENTS_PER_RUN / 8) + 20;
    for (let i = 0; i < notes; i++) await handle.executeUpdate(addNoteUpdate, { args: [{ actionId: `note-${i}`, by: bob, text: `note ${i}` }] });
    await eventually(async () => expect((await handle.describe()).runId).not.toBe(firstRun));
    // A note repeated from before the new run is still recognised.
    await handle.executeUpdate(addNoteUpdate, { args: [{ actionId: `note-${notes - 1}`, by: bob, text: 'again' }] });
    await stack.temporal.sleep('61m');
    await eventually(async () => expect((await row(id)).state).toBe('exhausted'));
    const kinds = await timeline(id);
    expect(kinds).toEqual(['opened', 'notified', ...new Array(notes).fill('note'), 'exhausted']);
    const seqs = (await stack.db.pool.query('SELECT seq FROM incident_events WHERE incident_id = $1 ORDER BY seq', [id])).rows.map((r) => r.seq);
    expect(seqs).toEqual(kinds.map((_, i) => i + 1));
    expect((await handle.describe()).typedSearchAttributes.get(INCIDENT_SEARCH_ATTRIBUTES.state)).toBe('exhausted');
    expect(types('/can-l1')).toEqual(['incident.triggered']);
  });

  describe('driven by its target', () => {
    async function startTarget(fields: Record<string, unknown>, url = stack.site.url) {
      const targetId = nextTargetId();
      const spec = TargetSpecSchema.parse({
        name: `site ${n}`,
        intervalSeconds: 600,
        probe: { kind: 'http', url },
        thresholds: { downAfter: 1, upAfter: 1 },
        ...fields,
      });
      await upsertTarget(stack.db.pool, testSecrets, { targetId, spec, version: 1, paused: false });
      const handle = await stack.temporal.client.workflow.start(targetWorkflow, {
        workflowId: targetWorkflowId(targetId),
        taskQueue: TASK_QUEUE,
        args: [{ targetId, spec, version: 1 }],
      });
      terminatedAtTheEnd(handle);
      return { targetId, handle };
    }
    const incidentsOf = async (targetId: string) =>
      (await stack.db.pool.query('SELECT id, state, resolved_by, closed_at FROM incidents WHERE target_id = $1 ORDER BY sequence', [targetId])).rows;
    const trackIncidents = (targetId: string, count: number) => {
      for (let s = 1; s <= count; s++) terminatedAtTheEnd(stack.temporal.client.workflow.getHandle(incidentWorkflowId(incidentId(targetId, s))));
    };

    it('opens an incident when the target goes down, and resolves it on recovery (auto-resolve)', async () => {
      const p = await policy([{ minutes: 30, paths: ['/target-l1'] }]);
      stack.site.behave({ status: 500 });
      const { targetId } = await startTarget({ escalationPolicyId: p.id });
      trackIncidents(targetId, 1);
      await stack.temporal.sleep('15m');
      await eventually(async () => expect(await incidentsOf(targetId)).toMatchObject([{ state: 'triggered' }]));
      await eventually(() => expect(types('/target-l1')).toEqual(['incident.triggered']));
      const [{ id }] = await incidentsOf(targetId);
      expect(stack.webhooks.accepted('/target-l1')[0]!.body).toMatchObject({ data: { incident: { reason: '1 consecutive failed probe' } } });
      stack.site.behave({ status: 200 });
      await stack.temporal.sleep('10m');
      await eventually(async () => expect(await incidentsOf(targetId)).toMatchObject([{ id, state: 'resolved', resolved_by: 'Vigil' }]));
      await eventually(() => expect(types('/target-l1')).toEqual(['incident.triggered', 'incident.resolved']));
    });

    it('reopens the same incident when the target goes down again within the reopen window, and opens a new one after it', async () => {
      const p = await policy([{ minutes: 30, paths: ['/reopen-l1'] }]);
      stack.site.behave({ status: 500 });
      const { targetId } = await startTarget({ escalationPolicyId: p.id, reopenWindowSeconds: 900 });
      trackIncidents(targetId, 2);
      await stack.temporal.sleep('10m');
      await eventually(async () => expect(await incidentsOf(targetId)).toHaveLength(1));
      stack.site.behave({ status: 200 });
      await stack.temporal.sleep('10m');
      await eventually(async () => expect((await incidentsOf(targetId))[0].state).toBe('resolved'));
      stack.site.behave({ status: 500 });
      await stack.temporal.sleep('10m');
      await eventually(async () => expect(await incidentsOf(targetId)).toMatchObject([{ state: 'triggered' }]));
      const [{ id }] = await incidentsOf(targetId);
      expect(await timeline(id)).toEqual(['opened', 'notified', 'resolved', 'reopened']);
      // No new page: those already paged hear it reopened.
      await eventually(() => expect(types('/reopen-l1')).toEqual(['incident.triggered', 'incident.resolved', 'incident.reopened']));

      stack.site.behave({ status: 200 });
      await stack.temporal.sleep('40m');
      await eventually(async () => expect((await incidentsOf(targetId))[0].closed_at).not.toBeNull());
      stack.site.behave({ status: 500 });
      await stack.temporal.sleep('10m');
      await eventually(async () => expect(await incidentsOf(targetId)).toMatchObject([{ id, state: 'resolved' }, { state: 'triggered' }]));
    });

    it('keeps the incident open on recovery when auto-resolve is off, until a responder resolves it', async () => {
      stack.site.behave({ status: 500 });
      const { targetId } = await startTarget({ autoResolve: false });
      trackIncidents(targetId, 1);
      await stack.temporal.sleep('10m');
      await eventually(async () => expect(await incidentsOf(targetId)).toHaveLength(1));
      stack.site.behave({ status: 200 });
      await stack.temporal.sleep('30m');
      const [{ id, state }] = await incidentsOf(targetId);
      expect(state).toBe('triggered');
      await eventually(async () => expect(await timeline(id)).toEqual(['opened', 'target_recovered']));
      const handle = stack.temporal.client.workflow.getHandle(incidentWorkflowId(id));
      await handle.executeUpdate(resolveUpdate, { args: [{ actionId: 'human', by: alice }] });
      expect((await incidentsOf(targetId))[0]).toMatchObject({ state: 'resolved', resolved_by: 'alice' });
      expect(await handle.query(incidentQuery)).toMatchObject({ state: 'resolved' });
    });

    it('opens no incident for a flapping target, nor for one in maintenance', async () => {
      // Its own site: the cycle of answers must be the flapping target's alone. Up first, then down: flapping from its
      // first outage on.
      const flappingSite = await startFakeTarget({ cycle: [200, 500] });
      const flapping = await startTarget({ flapping: { changes: 2, windowSeconds: 7200 } }, flappingSite.url);
      stack.site.behave({ status: 500 });
      const now = await stack.temporal.currentTimeMs();
      const maintenance = await startTarget({
        maintenance: [{ start: new Date(now - 60_000).toISOString(), end: new Date(now + 3 * 3_600_000).toISOString() }],
      });
      await stack.temporal.sleep('2h');
      await flappingSite.close();
      expect(await incidentsOf(flapping.targetId)).toEqual([]);
      expect(await incidentsOf(maintenance.targetId)).toEqual([]);
      const shown = await stack.db.pool.query('SELECT target_id, state, flapping FROM target_status WHERE target_id = ANY($1) ORDER BY target_id', [
        [flapping.targetId, maintenance.targetId],
      ]);
      expect(shown.rows).toEqual([
        { target_id: flapping.targetId, state: expect.stringMatching(/^(up|down)$/), flapping: true },
        { target_id: maintenance.targetId, state: 'maintenance', flapping: false },
      ]);
    });

    it('resolves the incident when an operator pauses the target, and closes it at once when the target is deleted', async () => {
      stack.site.behave({ status: 500 });
      const paused = await startTarget({});
      const deleted = await startTarget({});
      trackIncidents(paused.targetId, 1);
      trackIncidents(deleted.targetId, 1);
      await stack.temporal.sleep('10m');
      await eventually(async () => expect(await incidentsOf(paused.targetId)).toHaveLength(1));
      await eventually(async () => expect(await incidentsOf(deleted.targetId)).toHaveLength(1));

      await paused.handle.executeUpdate(pauseUpdate);
      await eventually(async () => expect(await incidentsOf(paused.targetId)).toMatchObject([{ state: 'resolved', resolved_by: 'Vigil' }]));
      const [{ id: pausedId }] = await incidentsOf(paused.targetId);
      const resolved = await stack.db.pool.query(`SELECT message FROM incident_events WHERE incident_id = $1 AND kind = 'resolved'`, [pausedId]);
      expect(resolved.rows[0].message).toMatch(/^target paused: paused by an operator/);

      await deleted.handle.executeUpdate(deleteTargetUpdate);
      const [{ id: deletedId }] = await incidentsOf(deleted.targetId);
      await stack.temporal.client.workflow.getHandle(incidentWorkflowId(deletedId)).result();
      expect(await incidentsOf(deleted.targetId)).toMatchObject([{ state: 'resolved', closed_at: expect.any(Date) }]);
      expect(await timeline(deletedId)).toEqual(['opened', 'resolved', 'closed']);
    });
  });
});
