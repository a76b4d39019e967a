import { MockActivityEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { createIncidentActivities } from '../../src/activities/incidents';
import { insertChannel, insertPolicy } from '../../src/db/escalation';
import { insertUser } from '../../src/db/users';
import { acknowledgeUpdate, type IncidentWorkflow } from '../../src/contracts/incident';
import { incidentId, incidentWorkflowId, newId } from '../../src/ids';
import { testSecrets } from '../support/codec';
import { eventually } from '../support/eventually';
import { useStack } from '../support/stack';

/**
 * People's notification rules under the time-skipping server: "webhook at once, phone after 5 minutes unacknowledged"
 * plays out over minutes that pass in seconds, deliveries go for real to a local receiver, the timeline to Postgres.
 */
describe('incidentWorkflow paging people by their notification rules', () => {
  const stack = useStack({ temporal: 'time-skipping', worker: true, webhooks: true }, { perTest: true });
  let n = 0;

  /** A user reached on `/<name>-now` at once and on `/<name>-later` after 5 minutes unacknowledged. */
  const person = (name: string) =>
    insertUser(stack.db.pool, {
      name,
      email: `${name}${++n}@example.com`,
      timeZone: 'Europe/Berlin',
      contactMethods: [
        { kind: 'webhook', name: 'pager', url: `${stack.webhooks.url}/${name}-now` },
        { kind: 'webhook', name: 'phone', url: `${stack.webhooks.url}/${name}-later` },
      ],
      notificationRules: [
        { contactMethod: 'pager', afterMinutes: 0 },
        { contactMethod: 'phone', afterMinutes: 5 },
      ],
    });

  /** Level 1 pages the user (10 minutes to acknowledge); level 2 a channel, so the chain can be seen going on. */
  async function open(userId: string) {
    const channel = await insertChannel(stack.db.prisma, testSecrets, newId('chn'), { kind: 'webhook', name: 'ops', url: `${stack.webhooks.url}/ops-${n}` });
    const policy = await insertPolicy(stack.db.prisma, newId('esc'), {
      name: `people ${n}`,
      description: '',
      repeat: 0,
      levels: [
        { timeoutSeconds: 600, channelIds: [], userIds: [userId] },
        { timeoutSeconds: 600, channelIds: [channel.id] },
      ],
    });
    const targetId = `tgt_PPL${String(n).padStart(23, '0')}`;
    const activities = createIncidentActivities({ pool: stack.db.pool, temporal: stack.temporal.client });
    const at = await stack.temporal.currentTimeMs();
    const { sequence } = await (new MockActivityEnvironment().run(() =>
      activities.reportTargetDown({
        targetId,
        targetName: `shop ${n}`,
        sequence: 0,
        at,
        reason: 'down',
        flapping: false,
        autoResolve: true,
        reopenWindowSeconds: 900,
        escalationPolicyId: policy.id,
      }),
    ) as ReturnType<typeof activities.reportTargetDown>);
    const id = incidentId(targetId, sequence);
    const handle: WorkflowHandle<IncidentWorkflow> = stack.temporal.client.workflow.getHandle(incidentWorkflowId(id));
    stack.onStop(() => handle.terminate('test over').catch(() => undefined));
    return { id, handle, ops: `/ops-${n}` };
  }

  const received = (path: string) => stack.webhooks.accepted(path).map((a) => a.body.type);
  const timeline = async (id: string) =>
    (await stack.db.pool.query('SELECT kind, message FROM incident_events WHERE incident_id = $1 ORDER BY seq', [id])).rows as {
      kind: string;
      message: string;
    }[];

  it('pages at once by one contact method, after 5 minutes unacknowledged by the next, and the chain goes on', async () => {
    const ada = await person('ada');
    const { id, ops } = await open(ada.id);
    await eventually(() => expect(received('/ada-now')).toEqual(['incident.triggered']));
    await stack.temporal.sleep('4m');
    expect(received('/ada-later')).toEqual([]);
    await stack.temporal.sleep('2m');
    await eventually(() => expect(received('/ada-later')).toEqual(['incident.triggered']));
    expect((await timeline(id)).filter((e) => e.kind === 'paged').map((e) => e.message)).toEqual([
      expect.stringMatching(/paged ada: ada by webhook pager, webhook phone after 5 min unacknowledged$/),
      'paged ada by webhook phone (5 min unacknowledged)',
    ]);
    // Nobody acknowledged: level 2 is notified when level 1's 10 minutes pass, as it always was.
    await stack.temporal.sleep('5m');
    await eventually(() => expect(received(ops)).toEqual(['incident.escalated']));
    expect(received('/ada-now')).toEqual(['incident.triggered']);
  });

  it('does not send a delayed page once the incident is acknowledged: its timer is cancelled', async () => {
    const bea = await person('bea');
    const { id, handle } = await open(bea.id);
    await eventually(() => expect(received('/bea-now')).toEqual(['incident.triggered']));
    await stack.temporal.sleep('2m');
    await handle.executeUpdate(acknowledgeUpdate, { args: [{ actionId: 'ack', by: { id: bea.id, name: 'bea' } }] });
    await stack.temporal.sleep('30m');
    expect(received('/bea-later')).toEqual([]);
    expect((await timeline(id)).map((e) => e.kind)).toEqual(['opened', 'paged', 'acknowledged']);
    const { events } = await handle.fetchHistory();
    const timers = events!.filter((e) => e.timerStartedEventAttributes || e.timerCanceledEventAttributes);
    expect(timers.map((e) => (e.timerStartedEventAttributes ? 'started' : 'cancelled'))).toEqual(['started', 'cancelled']);
  });
});
