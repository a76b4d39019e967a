import type { PolicySnapshot } from '../../src/domain/escalation';
import { decide, nextStep, openIncident, type IncidentFacts, type IncidentMachineState } from '../../src/domain/incident-machine';
import { pagesFor, peopleToPage, type OnCallAnswer, type OnCallPerson } from '../../src/domain/paging';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const MIN = 60_000;
const ada: OnCallPerson = {
  id: 'usr_ada',
  name: 'Ada',
  contactMethods: [
    { name: 'work', kind: 'email' },
    { name: 'phone', kind: 'webhook' },
  ],
  rules: [
    { contactMethod: 'work', afterMinutes: 0 },
    { contactMethod: 'phone', afterMinutes: 5 },
  ],
};
const bob: OnCallPerson = { id: 'usr_bob', name: 'Bob', contactMethods: [{ name: 'chat', kind: 'slack' }], rules: [] };
const primary = { kind: 'schedule' as const, id: 'sch_primary', name: 'Primary' };
const nights = { kind: 'schedule' as const, id: 'sch_nights', name: 'Nights' };

describe('what a person is sent, by their notification rules', () => {
  it('sends rules of 0 minutes at once and puts the others off by their minutes', () => {
    expect(pagesFor(ada, T0)).toEqual({
      atOnce: [{ userId: 'usr_ada', userName: 'Ada', method: 'work', kind: 'email' }],
      later: [{ due: T0 + 5 * MIN, afterMinutes: 5, contact: { userId: 'usr_ada', userName: 'Ada', method: 'phone', kind: 'webhook' } }],
    });
  });

  it('without rules, reaches a person by every contact method at once', () => {
    expect(pagesFor(bob, T0)).toEqual({ atOnce: [{ userId: 'usr_bob', userName: 'Bob', method: 'chat', kind: 'slack' }], later: [] });
  });

  it('pages someone named twice (as a user and on call for a schedule) once, as the first target that named them', () => {
    const answers: OnCallAnswer[] = [
      { target: { kind: 'user', id: 'usr_ada', name: 'Ada' }, people: [ada] },
      { target: primary, people: [ada, bob] },
    ];
    expect(peopleToPage(answers).map(({ person, via }) => [person.name, via.kind])).toEqual([
      ['Ada', 'user'],
      ['Bob', 'schedule'],
    ]);
  });
});

describe('the incident machine paging people', () => {
  const facts: IncidentFacts = {
    incidentId: 'inc_1',
    targetId: 'tgt_1',
    targetName: 'shop',
    reason: 'down',
    openedAt: T0,
    settings: { autoResolve: true, reopenWindowSeconds: 900 },
  };
  const policy: PolicySnapshot = {
    id: 'esc_ops',
    name: 'ops',
    version: 1,
    repeat: 0,
    levels: [{ timeoutSeconds: 600, channels: [], people: [primary, nights] }],
  };
  const paged = () => {
    const opened = openIncident(facts, policy, undefined).incident;
    return decide(facts, opened, { kind: 'page' }, T0);
  };
  const found = (s: IncidentMachineState, now: number) =>
    decide(
      facts,
      s,
      {
        kind: 'onCallFound',
        position: { round: 0, level: 0 },
        answers: [
          { target: primary, people: [ada] },
          { target: nights, people: [] },
        ],
      },
      now,
    );

  it('asks who is on call at the instant the level fires, and sends nothing before it knows', () => {
    const { commands } = paged();
    expect(commands).toEqual([{ kind: 'findOnCall', targets: [primary, nights], at: T0, position: { round: 0, level: 0 } }]);
  });

  it('records a schedule with nobody on call, pages who is, and waits for the delayed rule before the level times out', () => {
    const { incident, commands } = found(paged().incident, T0);
    expect(commands.map((c) => (c.kind === 'record' ? c.event.kind : c.kind))).toEqual(['nobody_on_call', 'notify', 'paged']);
    expect(commands[0]).toMatchObject({ event: { message: 'level 1 of ops: nobody is on call for schedule Nights' } });
    expect(commands[1]).toMatchObject({ deliveries: [{ contact: { userId: 'usr_ada', method: 'work' } }] });
    expect(nextStep(facts, incident, T0)).toEqual({ kind: 'wait', until: T0 + 5 * MIN, happening: 'delayedPageDue' });

    const due = decide(facts, incident, { kind: 'delayedPageDue' }, T0 + 5 * MIN);
    expect(due.commands[0]).toMatchObject({ kind: 'notify', deliveries: [{ contact: { userId: 'usr_ada', method: 'phone' } }] });
    expect(nextStep(facts, due.incident, T0 + 5 * MIN)).toEqual({ kind: 'wait', until: T0 + 10 * MIN, happening: 'levelTimedOut' });
  });

  it('cancels delayed pages on acknowledgement', () => {
    const { incident } = found(paged().incident, T0);
    const acked = decide(facts, incident, { kind: 'acknowledge', actionId: 'a', by: { id: 'usr_ada', name: 'Ada' } }, T0 + MIN).incident;
    expect(acked.delayedPages).toEqual([]);
    expect(nextStep(facts, acked, T0 + MIN)).toEqual({ kind: 'idle' });
  });

  it('cancels delayed pages when the incident is reassigned to another policy, whose people take over', () => {
    const { incident } = found(paged().incident, T0);
    const other = { ...policy, id: 'esc_other', name: 'other' };
    const reassigned = decide(facts, incident, { kind: 'reassign', actionId: 'r', by: { id: 'key_x', name: 'x' }, policy: other }, T0 + MIN).incident;
    expect(reassigned.delayedPages).toEqual([]);
    expect(nextStep(facts, reassigned, T0 + MIN)).toEqual({ kind: 'page' });
  });

  it('records who was on call but wakes nobody when the incident was acknowledged while they were being found', () => {
    const acked = decide(facts, paged().incident, { kind: 'acknowledge', actionId: 'a', by: { id: 'key_x', name: 'x' } }, T0).incident;
    const { commands } = found(acked, T0);
    expect(commands.filter((c) => c.kind === 'notify')).toEqual([]);
    expect(commands.at(-1)).toMatchObject({
      kind: 'record',
      event: { kind: 'paged', message: expect.stringContaining('not paged, the incident is acknowledged now') },
    });
  });

  it('keeps people’s own delayed pages after the chain is exhausted', () => {
    const { incident } = found(paged().incident, T0);
    const exhausted = decide(
      facts,
      { ...incident, delayedPages: [{ ...incident.delayedPages![0]!, due: T0 + 20 * MIN }] },
      { kind: 'levelTimedOut' },
      T0 + 10 * MIN,
    );
    expect(exhausted.incident.state).toBe('exhausted');
    expect(nextStep(facts, exhausted.incident, T0 + 10 * MIN)).toEqual({ kind: 'wait', until: T0 + 20 * MIN, happening: 'delayedPageDue' });
  });
});
