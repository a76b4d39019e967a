import type { PolicySnapshot } from '../../src/domain/escalation';
import {
  decide,
  forgetAction,
  nextStep,
  openIncident,
  refusalOf,
  type IncidentCommand,
  type IncidentFacts,
  type IncidentHappening,
  type IncidentMachineState,
  type ResponderHappening,
} from '../../src/domain/incident-machine';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const MIN = 60_000;
const alice = { id: 'key_alice', name: 'alice' };
const channel = (id: string) => ({ id, name: id, kind: 'webhook' as const });
const policy = (repeat = 0): PolicySnapshot => ({
  id: 'esc_ops',
  name: 'ops',
  version: 3,
  repeat,
  levels: [
    { timeoutSeconds: 300, channels: [channel('chn_a'), channel('chn_b')] },
    { timeoutSeconds: 600, channels: [channel('chn_b'), channel('chn_c')] },
  ],
});
const facts = (settings: Partial<IncidentFacts['settings']> = {}): IncidentFacts => ({
  incidentId: 'inc_1',
  targetId: 'tgt_1',
  targetName: 'shop',
  reason: '2 consecutive failed probes',
  openedAt: T0,
  settings: { autoResolve: true, reopenWindowSeconds: 900, ...settings },
});

/** An incident opened at T0 with `policy`, then taken through `happenings`, each a minute after the one before. */
function incidentAfter(happenings: IncidentHappening[], opts: { policy?: PolicySnapshot | null; facts?: IncidentFacts } = {}): IncidentMachineState {
  const f = opts.facts ?? facts();
  let s = openIncident(f, opts.policy === undefined ? policy() : opts.policy, undefined).incident;
  happenings.forEach((h, i) => {
    s = decide(f, s, h, T0 + (i + 1) * MIN).incident;
  });
  return s;
}
const records = (commands: IncidentCommand[]) => commands.filter((c) => c.kind === 'record').map((c) => c.event);
const notifications = (commands: IncidentCommand[]) =>
  commands
    .filter((c) => c.kind === 'notify')
    .map((c) => ({ kind: c.notification, to: c.deliveries.map((d) => ('channel' in d ? d.channel.id : d.contact.userId)) }));
const act = <K extends ResponderHappening['kind']>(kind: K, rest: object = {}, actionId: string = kind) =>
  ({ kind, actionId, by: alice, ...rest }) as ResponderHappening;

describe('opening an incident', () => {
  it('starts triggered at the first level of its policy, not yet paged, and records why it opened', () => {
    const { incident, commands } = openIncident(facts(), policy(), undefined);
    expect(incident).toMatchObject({ state: 'triggered', position: { round: 0, level: 0 }, levelNotified: false, pageKind: 'triggered', eventSeq: 1 });
    expect(records(commands)).toEqual([
      {
        seq: 1,
        kind: 'opened',
        actor: { id: 'vigil', name: 'Vigil' },
        message: '2 consecutive failed probes (escalating with ops)',
        data: { policy: { id: 'esc_ops', version: 3 } },
      },
    ]);
    expect(nextStep(facts(), incident, T0)).toEqual({ kind: 'page' });
  });

  it('without a policy, says why nobody is notified, and waits for a responder or the target', () => {
    const { incident, commands } = openIncident(facts(), null, 'escalation policy esc_gone does not exist');
    expect(records(commands)[0]!.message).toBe('2 consecutive failed probes (escalation policy esc_gone does not exist: nobody is notified)');
    expect(nextStep(facts(), incident, T0)).toEqual({ kind: 'idle' });
  });
});

describe('escalation', () => {
  it('pages each channel of the level once, with delivery ids that stay the same through retries, and starts its timeout', () => {
    const opened = incidentAfter([]);
    const { incident, commands, wake } = decide(facts(), opened, { kind: 'page' }, T0 + MIN);
    expect(commands.map((c) => c.kind)).toEqual(['notify', 'record']);
    const notify = commands[0] as Extract<IncidentCommand, { kind: 'notify' }>;
    expect(notify.deliveries.map((d) => d.deliveryId)).toEqual(['inc_1-n1-chn_a', 'inc_1-n1-chn_b']);
    expect(notify.incident).toMatchObject({ id: 'inc_1', state: 'triggered', level: 1, round: 1, policyName: 'ops' });
    expect(records(commands)[0]).toMatchObject({
      kind: 'notified',
      message: 'notified level 1 of ops: chn_a, chn_b',
      data: { deliveryIds: ['inc_1-n1-chn_a', 'inc_1-n1-chn_b'] },
    });
    expect(wake).toBe(true);
    expect(incident.paged.map((c) => c.id)).toEqual(['chn_a', 'chn_b']);
    expect(nextStep(facts(), incident, T0 + MIN)).toEqual({ kind: 'wait', until: T0 + MIN + 300_000, happening: 'levelTimedOut' });
  });

  it.each([
    { repeat: 0, timeouts: 1, expected: { state: 'triggered', position: { round: 0, level: 1 }, pageKind: 'escalated', levelNotified: false } },
    { repeat: 0, timeouts: 2, expected: { state: 'exhausted', position: { round: 0, level: 1 } } },
    { repeat: 1, timeouts: 2, expected: { state: 'triggered', position: { round: 1, level: 0 }, pageKind: 'escalated' } },
    { repeat: 1, timeouts: 4, expected: { state: 'exhausted', position: { round: 1, level: 1 } } },
  ])('with repeat $repeat, after $timeouts unacknowledged level(s): $expected.state at $expected.position', ({ repeat, timeouts, expected }) => {
    const steps = Array.from({ length: timeouts }, () => [{ kind: 'page' }, { kind: 'levelTimedOut' }] as IncidentHappening[]).flat();
    expect(incidentAfter(steps, { policy: policy(repeat) })).toMatchObject(expected);
  });

  it('records the end of escalation with how many rounds ran', () => {
    const s = incidentAfter([{ kind: 'page' }, { kind: 'levelTimedOut' }, { kind: 'page' }]);
    const { commands } = decide(facts(), s, { kind: 'levelTimedOut' }, T0 + 20 * MIN);
    expect(records(commands)[0]!.message).toBe('level 2 did not acknowledge within 10 min: nobody acknowledged after 1 round of ops; escalation ended');
    expect(nextStep(facts(), decide(facts(), s, { kind: 'levelTimedOut' }, T0 + 20 * MIN).incident, T0)).toEqual({ kind: 'idle' });
  });

  it('remembers every channel paged once, across levels', () => {
    expect(incidentAfter([{ kind: 'page' }, { kind: 'levelTimedOut' }, { kind: 'page' }]).paged.map((c) => c.id)).toEqual(['chn_a', 'chn_b', 'chn_c']);
  });
});

describe('responders', () => {
  it('acknowledging stops escalation; the same action again changes nothing', () => {
    const paged = incidentAfter([{ kind: 'page' }]);
    const first = decide(facts(), paged, act('acknowledge', {}, 'a1'), T0 + 2 * MIN);
    expect(first.incident).toMatchObject({ state: 'acknowledged', acknowledged: { by: alice, at: T0 + 2 * MIN } });
    expect(records(first.commands)[0]).toMatchObject({ kind: 'acknowledged', actor: alice, message: 'acknowledged by alice: escalation stopped' });
    expect(nextStep(facts(), first.incident, T0)).toEqual({ kind: 'idle' });
    const again = decide(facts(), first.incident, act('acknowledge', {}, 'a1'), T0 + 3 * MIN);
    expect(again).toEqual({ incident: first.incident, commands: [], wake: false });
  });

  it('tells the paged channels that keep an incident of their own (PagerDuty, Opsgenie) of an acknowledgement or snooze, and no others', () => {
    const mirrored: PolicySnapshot = {
      ...policy(),
      levels: [
        { timeoutSeconds: 300, channels: [channel('chn_a'), { id: 'chn_pd', name: 'pd', kind: 'pagerduty' }, { id: 'chn_og', name: 'og', kind: 'opsgenie' }] },
      ],
    };
    const paged = incidentAfter([{ kind: 'page' }], { policy: mirrored });
    const acked = decide(facts(), paged, act('acknowledge'), T0 + 2 * MIN);
    expect(notifications(acked.commands)).toEqual([{ kind: 'acknowledged', to: ['chn_pd', 'chn_og'] }]);
    expect(notifications(decide(facts(), paged, act('snooze', { seconds: 600 }), T0 + 2 * MIN).commands)).toEqual([
      { kind: 'acknowledged', to: ['chn_pd', 'chn_og'] },
    ]);
    // Already acknowledged: a snooze tells nobody again.
    expect(notifications(decide(facts(), acked.incident, act('snooze', { seconds: 600 }, 's2'), T0 + 3 * MIN).commands)).toEqual([]);
    // Without such channels, nothing is sent and no notification number is used: old histories decide as before.
    const plain = incidentAfter([{ kind: 'page' }]);
    const plainAcked = decide(facts(), plain, act('acknowledge'), T0 + 2 * MIN);
    expect(plainAcked.commands.map((c) => c.kind)).toEqual(['record']);
    expect(plainAcked.incident.notificationSeq).toBe(plain.notificationSeq);
  });

  it('snoozing acknowledges until then; when the snooze ends the current level is notified again', () => {
    const snoozed = incidentAfter([{ kind: 'page' }, act('snooze', { seconds: 600 })]);
    expect(snoozed).toMatchObject({ state: 'acknowledged', snoozedUntil: T0 + 2 * MIN + 600_000 });
    expect(nextStep(facts(), snoozed, T0)).toEqual({ kind: 'wait', until: T0 + 2 * MIN + 600_000, happening: 'snoozeEnded' });
    const ended = decide(facts(), snoozed, { kind: 'snoozeEnded' }, T0 + 13 * MIN);
    expect(ended.incident).toMatchObject({ state: 'triggered', acknowledged: null, snoozedUntil: null, levelNotified: false, pageKind: 'renotified' });
    expect(records(ended.commands)[0]!.message).toBe('snooze ended: re-notifying level 1');
    expect(notifications(decide(facts(), ended.incident, { kind: 'page' }, T0 + 13 * MIN).commands)).toEqual([{ kind: 'renotified', to: ['chn_a', 'chn_b'] }]);
  });

  it('escalating goes to the next level at once, past the last into another round', () => {
    expect(incidentAfter([{ kind: 'page' }, act('escalate', {}, 'e1')])).toMatchObject({
      position: { round: 0, level: 1 },
      pageKind: 'escalated',
      levelNotified: false,
    });
    expect(incidentAfter([{ kind: 'page' }, act('escalate', {}, 'e1'), act('escalate', {}, 'e2')])).toMatchObject({ position: { round: 1, level: 0 } });
  });

  it('reassigning to another policy starts it from its first level; to a person only, changes nothing else', () => {
    const other = { ...policy(), id: 'esc_db', name: 'db' };
    const acked = incidentAfter([{ kind: 'page' }, act('acknowledge')]);
    const toPolicy = decide(facts(), acked, act('reassign', { policy: other }), T0 + 5 * MIN);
    expect(toPolicy.incident).toMatchObject({ state: 'triggered', policy: other, position: { round: 0, level: 0 }, acknowledged: null, levelNotified: false });
    expect(records(toPolicy.commands)[0]).toMatchObject({ message: 'reassigned by alice: escalation policy db', data: { policyId: 'esc_db' } });
    const toPerson = decide(facts(), acked, act('reassign', { assignee: 'bob' }), T0 + 5 * MIN);
    expect(toPerson.incident).toMatchObject({ state: 'acknowledged', assignee: 'bob', policy: { id: 'esc_ops' } });
  });

  it('a note is recorded and wakes nothing', () => {
    const { commands, wake } = decide(facts(), incidentAfter([]), act('note', { text: 'looking' }), T0);
    expect(records(commands)).toMatchObject([{ kind: 'note', actor: alice, message: 'looking' }]);
    expect(wake).toBe(false);
  });

  it('a note for the public is marked public in the timeline; others carry no mark', () => {
    const shared = decide(facts(), incidentAfter([]), act('note', { text: 'a fix is rolling out', public: true }), T0);
    expect(records(shared.commands)).toMatchObject([{ kind: 'note', message: 'a fix is rolling out', data: { public: true } }]);
    const internal = decide(facts(), incidentAfter([]), act('note', { text: 'db-7 disk full' }), T0);
    expect(records(internal.commands)[0]!.data).toBeUndefined();
  });

  it('an action whose record Postgres refused is forgotten, so the same action may come again', () => {
    const s = incidentAfter([act('note', { text: 'x' }, 'n1')]);
    expect(s.recentActions).toEqual(['n1']);
    expect(forgetAction(s, 'n1').recentActions).toEqual([]);
  });

  it.each([
    { name: 'acknowledging a resolved incident', s: () => incidentAfter([act('resolve')]), action: act('acknowledge', {}, 'x'), type: 'IncidentResolved' },
    { name: 'a snooze under a minute', s: () => incidentAfter([]), action: act('snooze', { seconds: 30 }), type: 'InvalidAction' },
    { name: 'a snooze over a day', s: () => incidentAfter([]), action: act('snooze', { seconds: 86_401 }), type: 'InvalidAction' },
    { name: 'escalating without a policy', s: () => incidentAfter([], { policy: null }), action: act('escalate'), type: 'NoEscalationPolicy' },
    { name: 'reassigning to nobody', s: () => incidentAfter([]), action: act('reassign'), type: 'InvalidAction' },
  ])('refuses $name ($type)', ({ s, action, type }) => {
    expect(refusalOf(s(), action)?.type).toBe(type);
  });

  it.each([act('resolve'), act('note', { text: 'after the fact' })])('never refuses to $kind, even once resolved', (action) => {
    expect(refusalOf(incidentAfter([act('resolve', {}, 'r0')]), action)).toBeUndefined();
  });
});

describe('the target', () => {
  it('recovering resolves the incident; those paged hear of it, then the reopen window runs', () => {
    const paged = incidentAfter([{ kind: 'page' }]);
    const { incident, commands } = decide(facts(), paged, { kind: 'targetCleared', to: 'up', at: T0 + 2 * MIN, reason: '1 passed probe' }, T0 + 2 * MIN);
    expect(incident).toMatchObject({ state: 'resolved', stateBeforeResolve: 'triggered', resolved: { by: { id: 'vigil' }, at: T0 + 2 * MIN } });
    expect(notifications(commands)).toEqual([{ kind: 'resolved', to: ['chn_a', 'chn_b'] }]);
    expect(records(commands)[0]!.message).toBe('target recovered: 1 passed probe');
    expect(nextStep(facts(), incident, T0 + 3 * MIN)).toEqual({ kind: 'closeAt', at: T0 + 2 * MIN + 900_000 });
  });

  it('recovering without auto-resolve records it and waits for a responder', () => {
    const f = facts({ autoResolve: false });
    const { incident, commands } = decide(f, incidentAfter([], { facts: f }), { kind: 'targetCleared', to: 'up', at: T0 + MIN, reason: 'ok' }, T0 + MIN);
    expect(incident.state).toBe('triggered');
    expect(records(commands)[0]!.message).toBe('target recovered (ok); waiting for a responder to resolve');
  });

  it.each([
    { to: 'paused', message: 'target paused: by an operator' },
    { to: 'maintenance', message: 'target in maintenance: by an operator' },
    { to: 'deleted', message: 'target deleted: by an operator' },
  ] as const)('a target $to resolves the incident: nobody is to be paged about it', ({ to, message }) => {
    const { incident, commands } = decide(facts(), incidentAfter([]), { kind: 'targetCleared', to, at: T0 + MIN, reason: 'by an operator' }, T0 + MIN);
    expect(incident.state).toBe('resolved');
    expect(records(commands)[0]!.message).toBe(message);
  });

  it('a deleted target closes its incident at once, and nothing reopens it', () => {
    const deleted = incidentAfter([{ kind: 'targetCleared', to: 'deleted', at: T0 + MIN, reason: 'gone' }]);
    expect(nextStep(facts(), deleted, T0 + 5 * MIN)).toEqual({ kind: 'closeAt', at: T0 + 5 * MIN });
    expect(decide(facts(), deleted, { kind: 'targetDown', at: T0 + 3 * MIN, reason: 'x', flapping: false }, T0 + 3 * MIN).commands).toEqual([]);
  });

  it('going down again while open is recorded; a report older than the last one applied is ignored', () => {
    const s = incidentAfter([]);
    expect(records(decide(facts(), s, { kind: 'targetDown', at: T0 + MIN, reason: 'timeout', flapping: false }, T0 + MIN).commands)[0]!.message).toBe(
      'target down again: timeout',
    );
    expect(decide(facts(), s, { kind: 'targetDown', at: T0, reason: 'redelivered', flapping: false }, T0 + MIN).commands).toEqual([]);
  });

  it.each([
    { flapping: false, heard: [{ kind: 'reopened', to: ['chn_a', 'chn_b'] }] },
    { flapping: true, heard: [] },
  ])('going down within the reopen window reopens the incident as it was (flapping: $flapping)', ({ flapping, heard }) => {
    const acked = incidentAfter([{ kind: 'page' }, act('acknowledge'), act('resolve')]);
    const { incident, commands } = decide(facts(), acked, { kind: 'targetDown', at: T0 + 10 * MIN, reason: 'down', flapping }, T0 + 10 * MIN);
    expect(incident).toMatchObject({ state: 'acknowledged', resolved: null, levelSince: T0 + 10 * MIN });
    expect(notifications(commands)).toEqual(heard);
    expect(records(commands)[0]).toMatchObject({ kind: 'reopened', data: { flapping } });
  });

  it('closing records it, and is the last thing the incident does', () => {
    const resolved = incidentAfter([act('resolve')]);
    const { incident, commands, wake } = decide(facts(), resolved, { kind: 'close' }, T0 + 20 * MIN);
    expect(incident.closedAt).toBe(T0 + 20 * MIN);
    expect(records(commands)[0]!.message).toBe('closed: the reopen window passed');
    expect(wake).toBe(false);
  });
});
