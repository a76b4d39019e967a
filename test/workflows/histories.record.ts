/**
 * Records the workflow histories that test/workflows/replay.test.ts replays: `npm run record:histories`.
 * Re-record only for a deliberate, versioned change to workflow code (see README: "Changing workflow code");
 * a replay failure after an accidental change is the test doing its job.
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fs from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createIncidentActivities } from '../../src/activities/incidents';
import { insertChannel, insertPolicy, readPolicySnapshot } from '../../src/db/escalation';
import { insertSchedule } from '../../src/db/schedules';
import { upsertTarget } from '../../src/db/targets';
import { insertUser } from '../../src/db/users';
import { TargetSpecSchema } from '../../src/domain/target';
import { incidentId, incidentWorkflowId, newId, TASK_QUEUE, targetWorkflowId } from '../../src/ids';
import {
  acknowledgeUpdate,
  addNoteUpdate,
  escalateUpdate,
  incidentQuery,
  reassignUpdate,
  resolveUpdate,
  snoozeUpdate,
  targetClearedSignal,
  targetDownSignal,
} from '../../src/contracts/incident';
import { checkNowUpdate, pauseUpdate, resumeUpdate, statusQuery, updateTargetUpdate } from '../../src/contracts/target';
import { targetWorkflow } from '../../src/workflows/target';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { eventually } from '../support/eventually';
import { startFakeTarget, type FakeTarget } from '../support/fake-target';
import { startLocalTemporal, startTimeSkippingTemporal } from '../support/temporal';
import { startWebhookReceiver } from '../support/webhook-receiver';
import { startWorker } from '../support/worker';
import { testSecrets } from '../support/codec';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'histories');

type Handle = Awaited<ReturnType<TestWorkflowEnvironment['client']['workflow']['start']>>;

async function record(
  env: TestWorkflowEnvironment,
  db: TestDatabase,
  site: FakeTarget,
  name: string,
  intervalSeconds: number,
  drive: (wait: (state: string) => Promise<void>, handle: Handle) => Promise<void>,
) {
  const worker = await startWorker(env, db.pool);
  const targetId = `tgt_${name
    .toUpperCase()
    .replace(/[^A-Z]/g, '')
    .padEnd(26, '0')
    .slice(0, 26)}`;
  const spec = TargetSpecSchema.parse({ name, intervalSeconds, probe: { kind: 'http', url: site.url }, thresholds: { downAfter: 2, upAfter: 1 } });
  await upsertTarget(db.pool, testSecrets, { targetId, spec, version: 1, paused: false });
  const handle = await env.client.workflow.start(targetWorkflow, {
    workflowId: targetWorkflowId(targetId),
    taskQueue: TASK_QUEUE,
    args: [{ targetId, spec, version: 1 }],
  });
  await drive((state) => eventually(async () => expect((await handle.query(statusQuery)).judgement.state).toBe(state), 60_000), handle);
  await handle.terminate('recorded');
  await worker.stop();
  fs.writeFileSync(path.join(FIXTURES, `${name}.json`), historyToJSON(await handle.fetchHistory()));
}

describe('record workflow histories', () => {
  let db: TestDatabase;
  let site: FakeTarget;
  beforeAll(async () => {
    [db, site] = await Promise.all([createTestDatabase(), startFakeTarget()]);
  });
  afterAll(async () => {
    await site.close();
    await db.drop();
  });

  it('target-window-flips: a 1 s target in probe windows going up, down and up', async () => {
    const env = await startLocalTemporal();
    site.behave({ status: 200 });
    await record(env, db, site, 'target-window-flips', 1, async (wait) => {
      await wait('up');
      site.behave({ status: 500 });
      await wait('down');
      site.behave({ status: 200 });
      await wait('up');
    });
    await env.teardown();
  });

  it('target-timer-flips: a 30 min target on timers going up, down and up', async () => {
    const env = await startTimeSkippingTemporal();
    site.behave({ status: 200 });
    await record(env, db, site, 'target-timer-flips', 1800, async (wait) => {
      await env.sleep('2h');
      await wait('up');
      site.behave({ status: 500 });
      await env.sleep('2h');
      await wait('down');
      site.behave({ status: 200 });
      await env.sleep('2h');
      await wait('up');
    });
    await env.teardown();
  });

  it('target-operator-commands: pause, resume, a new configuration and a check now', async () => {
    const env = await startTimeSkippingTemporal();
    site.behave({ status: 200 });
    await record(env, db, site, 'target-operator-commands', 1800, async (wait, handle) => {
      await env.sleep('2h');
      await wait('up');
      await handle.executeUpdate(pauseUpdate);
      await env.sleep('1h');
      await handle.executeUpdate(resumeUpdate);
      await env.sleep('1h');
      const { spec } = await handle.query(statusQuery);
      await handle.executeUpdate(updateTargetUpdate, { args: [{ spec: { ...spec, intervalSeconds: 3600 } }] });
      await env.sleep('1h');
      await handle.executeUpdate(checkNowUpdate);
      await env.sleep('1h');
    });
    await env.teardown();
  });

  it('incident-escalation: level 1 paged, level 2 after its timeout, acknowledged, a note, resolved, closed after its reopen window', async () => {
    await recordIncident('incident-escalation', { repeat: 0, autoResolve: true }, async ({ env, handle, receiver, by }) => {
      await eventually(() => expect(receiver.accepted('/l1')).toHaveLength(1), 60_000);
      await env.sleep('6m');
      await eventually(() => expect(receiver.accepted('/l2')).toHaveLength(1), 60_000);
      await handle.executeUpdate(acknowledgeUpdate, { args: [{ actionId: 'ack', by }] });
      await handle.executeUpdate(addNoteUpdate, { args: [{ actionId: 'note', by, text: 'recorded note' }] });
      await handle.executeUpdate(resolveUpdate, { args: [{ actionId: 'resolve', by }] });
      await env.sleep('20m');
    });
  });

  it('incident-responders: snoozed and re-notified, escalated, reassigned, down again, recovered, reopened, deleted', async () => {
    await recordIncident('incident-responders', { repeat: 1, autoResolve: true }, async ({ env, handle, receiver, by, policyIds }) => {
      await eventually(() => expect(receiver.accepted('/l1')).toHaveLength(1), 60_000);
      await handle.executeUpdate(snoozeUpdate, { args: [{ actionId: 'snooze', by, seconds: 60 }] });
      await env.sleep('2m');
      await eventually(() => expect(receiver.accepted('/l1')).toHaveLength(2), 60_000);
      await handle.executeUpdate(escalateUpdate, { args: [{ actionId: 'escalate', by }] });
      await eventually(() => expect(receiver.accepted('/l2')).toHaveLength(1), 60_000);
      const other = (await readPolicySnapshot(db.pool, policyIds[1]!))!;
      await handle.executeUpdate(reassignUpdate, { args: [{ actionId: 'reassign', by, assignee: 'ops', policy: other }] });
      await handle.signal(targetDownSignal, { at: await env.currentTimeMs(), reason: 'still failing', flapping: false });
      await handle.signal(targetClearedSignal, { to: 'up', at: await env.currentTimeMs(), reason: '1 consecutive passed probe' });
      await eventually(async () => expect(await handle.query(incidentQuery)).toMatchObject({ state: 'resolved' }), 60_000);
      await env.sleep('1m');
      await handle.signal(targetDownSignal, { at: await env.currentTimeMs(), reason: 'down again', flapping: false });
      await eventually(async () => expect(await handle.query(incidentQuery)).not.toMatchObject({ state: 'resolved' }), 60_000);
      await handle.signal(targetClearedSignal, { to: 'deleted', at: await env.currentTimeMs(), reason: 'deleted by an operator' });
    });
  });

  it('incident-exhausted: nobody acknowledges, the target recovers without auto-resolve, a responder resolves with a note', async () => {
    await recordIncident('incident-exhausted', { repeat: 0, autoResolve: false, levels: 1 }, async ({ env, handle, by }) => {
      await env.sleep('6m');
      await eventually(async () => expect(await handle.query(incidentQuery)).toMatchObject({ state: 'exhausted' }), 60_000);
      await handle.signal(targetClearedSignal, { to: 'up', at: await env.currentTimeMs(), reason: '1 consecutive passed probe' });
      await handle.executeUpdate(resolveUpdate, { args: [{ actionId: 'resolve', by, note: 'fixed the disk' }] });
      await env.sleep('20m');
    });
  });

  it('incident-without-policy: opened with a policy that does not exist, acknowledged, resolved when the target recovers', async () => {
    await recordIncident('incident-without-policy', { repeat: 0, autoResolve: true, missingPolicy: true }, async ({ env, handle, by }) => {
      await handle.executeUpdate(acknowledgeUpdate, { args: [{ actionId: 'ack', by }] });
      await handle.signal(targetClearedSignal, { to: 'up', at: await env.currentTimeMs(), reason: '1 consecutive passed probe' });
      await env.sleep('20m');
    });
  });

  it('incident-people: level 1 pages a schedule (and one with nobody on call), a delayed rule pages, acknowledged (a later rule cancelled), resolved, closed', async () => {
    await recordIncident('incident-people', { repeat: 0, autoResolve: true, people: true }, async ({ env, handle, receiver, by }) => {
      await eventually(() => expect(receiver.accepted('/ada-pager')).toHaveLength(1), 60_000);
      await env.sleep('3m');
      await eventually(() => expect(receiver.accepted('/ada-phone')).toHaveLength(1), 60_000);
      await handle.executeUpdate(acknowledgeUpdate, { args: [{ actionId: 'ack', by }] });
      await handle.executeUpdate(resolveUpdate, { args: [{ actionId: 'resolve', by }] });
      await env.sleep('20m');
    });
  });

  /** Opens an incident as a target's down flip does, lets `drive` act on it, and records its history once it ends. */
  async function recordIncident(
    name: string,
    opts: { repeat: number; autoResolve: boolean; levels?: number; missingPolicy?: boolean; people?: true },
    drive: (ctx: {
      env: TestWorkflowEnvironment;
      handle: ReturnType<TestWorkflowEnvironment['client']['workflow']['getHandle']>;
      receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
      by: { id: string; name: string };
      policyIds: string[];
    }) => Promise<void>,
  ) {
    const env = await startTimeSkippingTemporal();
    const receiver = await startWebhookReceiver();
    const worker = await startWorker(env, db.pool);
    const channel = (level: string) =>
      insertChannel(db.prisma, testSecrets, newId('chn'), { kind: 'webhook', name: `${name}-${level}`, url: `${receiver.url}/${level}` });
    const [l1, l2] = [await channel('l1'), await channel('l2')];
    const levels = [
      opts.people ? await peopleLevel(name, receiver.url) : { timeoutSeconds: 300, channelIds: [l1.id] },
      { timeoutSeconds: 300, channelIds: [l2.id] },
    ].slice(0, opts.levels ?? 2);
    const policies = [
      await insertPolicy(db.prisma, newId('esc'), { name: `${name}-first`, description: '', repeat: opts.repeat, levels }),
      await insertPolicy(db.prisma, newId('esc'), {
        name: `${name}-second`,
        description: '',
        repeat: 0,
        levels: [{ timeoutSeconds: 600, channelIds: [l1.id] }],
      }),
    ];
    const targetId = `tgt_${name
      .toUpperCase()
      .replace(/[^A-Z]/g, '')
      .padEnd(26, '0')
      .slice(0, 26)}`;
    const { reportTargetDown } = createIncidentActivities({ pool: db.pool, temporal: env.client });
    const report = { targetId, targetName: name, sequence: 0, at: await env.currentTimeMs(), reason: '2 consecutive failed probes', flapping: false };
    const escalationPolicyId = opts.missingPolicy ? newId('esc') : policies[0]!.id;
    await new MockActivityEnvironment().run(() => reportTargetDown({ ...report, escalationPolicyId, autoResolve: opts.autoResolve, reopenWindowSeconds: 900 }));
    const handle = env.client.workflow.getHandle(incidentWorkflowId(incidentId(targetId, 1)));
    await drive({ env, handle, receiver, by: { id: 'key_recorder', name: 'recorder' }, policyIds: policies.map((p) => p.id) });
    await handle.result();
    await worker.stop();
    fs.writeFileSync(path.join(FIXTURES, `${name}.json`), historyToJSON(await handle.fetchHistory()));
    await receiver.close();
    await env.teardown();
  }

  /** A level paging a schedule with Ada on call (pager at once, phone after 2 min, sms after 4 min) and one with nobody. */
  async function peopleLevel(name: string, receiverUrl: string) {
    const ada = await insertUser(db.pool, {
      name: 'Ada',
      email: `ada-${name}@example.com`,
      timeZone: 'Europe/Berlin',
      contactMethods: ['pager', 'phone', 'sms'].map((method) => ({ kind: 'webhook' as const, name: method, url: `${receiverUrl}/ada-${method}` })),
      notificationRules: [
        { contactMethod: 'pager', afterMinutes: 0 },
        { contactMethod: 'phone', afterMinutes: 2 },
        { contactMethod: 'sms', afterMinutes: 4 },
      ],
    });
    const always = { days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const, startMinute: 0, endMinute: 0 };
    const onCall = await insertSchedule(db.pool, { key: null, name: `${name}-primary`, timeZone: 'Europe/Berlin', rules: [{ ...always, userId: ada.id }] });
    const nobody = await insertSchedule(db.pool, { key: null, name: `${name}-nights`, timeZone: 'Europe/Berlin', rules: [] });
    return { timeoutSeconds: 300, channelIds: [], scheduleIds: [onCall.id, nobody.id] };
  }
});
