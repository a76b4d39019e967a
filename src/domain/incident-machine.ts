import { CHANNEL_KINDS_MIRRORING_STATE } from './channel-kinds';
import type { PolicyPersonTarget, PolicySnapshot } from './escalation';
import {
  nextOnRequest,
  nextOnTimeout,
  VIGIL,
  type Actor,
  type EscalationPosition,
  type EventKind,
  type IncidentSettings,
  type IncidentState,
  type IncidentSummary,
  type NotificationKind,
  type OpenState,
} from './incident';
import { contactName, pagedAs, pagesFor, peopleToPage, type DelayedPage, type OnCallAnswer, type PersonContact } from './paging';
import type { ShownState } from './shown-state';

/**
 * The incident as a state machine: `decide(incident, happening, now)` says what the incident becomes and what is to be
 * done about it (notifications to send, the timeline event to record); `nextStep` says what it waits for. Pure: the
 * incident workflow (src/workflows/incident.ts) keeps the timers, the handlers and the activities, and interprets
 * these decisions in the order given, which is the order its history records them in.
 */

/** What never changes in an incident's life. */
export interface IncidentFacts {
  incidentId: string;
  targetId: string;
  targetName: string;
  /** The down flip's reason and time (epoch ms). */
  reason: string;
  openedAt: number;
  settings: IncidentSettings;
}

/** A channel of the escalation policy the incident pages. */
export type PolicyChannel = PolicySnapshot['levels'][number]['channels'][number];

/** Everything the incident decides with: handed on whole at continue-as-new, so its shape is part of the history. */
export interface IncidentMachineState {
  state: IncidentState;
  /** The state to go back to if the incident reopens. */
  stateBeforeResolve: OpenState;
  targetDown: boolean;
  policy: PolicySnapshot | null;
  position: EscalationPosition;
  /** When the current level was notified: its acknowledgement timeout runs from here. */
  levelSince: number;
  levelNotified: boolean;
  /** What the next notification of the current level says: first page, escalation, or the end of a snooze. */
  pageKind: NotificationKind;
  acknowledged: { by: Actor; at: number } | null;
  resolved: { by: Actor; at: number } | null;
  assignee: string | null;
  snoozedUntil: number | null;
  /** Every channel notified so far: they hear of a resolution or a reopening. */
  paged: PolicyChannel[];
  closedAt: number | null;
  /** The target was deleted: resolved for good, no reopen window. */
  targetDeleted: boolean;
  eventSeq: number;
  notificationSeq: number;
  /** Time of the last target report applied; a redelivered or older one is ignored. */
  lastTargetReportAt: number;
  /** Ids of the latest responder actions: a retried request changes nothing. */
  recentActions: string[];
  /**
   * Pages people's notification rules put off, soonest first; acknowledging, snoozing or resolving cancels them. Absent
   * in incidents that never paged a person (all those recorded before levels could), which decide as they always did.
   */
  delayedPages?: DelayedPage[];
}

/** How many responder action ids an incident remembers. */
const RECENT_ACTIONS = 100;

/** What a responder does: each names who acts, and an id that makes repeating it harmless. */
export type ResponderHappening = { actionId: string; by: Actor } & (
  | { kind: 'acknowledge' }
  | { kind: 'resolve'; note?: string }
  | { kind: 'snooze'; seconds: number }
  | { kind: 'escalate' }
  | { kind: 'reassign'; assignee?: string; policy?: PolicySnapshot }
  | { kind: 'note'; text: string; public?: boolean }
);

/** Everything that can happen to an incident. */
export type IncidentHappening =
  | ResponderHappening
  | { kind: 'targetDown'; at: number; reason: string; flapping: boolean }
  | { kind: 'targetCleared'; to: ShownState | 'deleted'; at: number; reason: string }
  /** The current level is due to be notified. */
  | { kind: 'page' }
  /** Whom the people a level names had on call when it fired (found by an activity), at that level and round. */
  | { kind: 'onCallFound'; position: EscalationPosition; answers: OnCallAnswer[] }
  /** A delayed page of a notification rule is due. */
  | { kind: 'delayedPageDue' }
  | { kind: 'levelTimedOut' }
  | { kind: 'snoozeEnded' }
  /** The reopen window passed (or the target was deleted): the incident ends. */
  | { kind: 'close' };

/** What the workflow does for a decision, in this order. */
export type IncidentCommand =
  /** One notification per channel or person's contact method, each delivered on its own (not awaited). */
  | { kind: 'notify'; notification: NotificationKind; deliveries: Delivery[]; incident: IncidentSummary }
  /** Find whom the level's people have on call at `at` (an activity), then decide `onCallFound` with the answer. */
  | { kind: 'findOnCall'; targets: PolicyPersonTarget[]; at: number; position: EscalationPosition }
  /** One timeline event, with the incident's row as it now stands (version `seq`). */
  | { kind: 'record'; event: { seq: number; kind: EventKind; actor: Actor; message: string; data?: Record<string, unknown> } };

/** One notification to send: to a channel of the policy, or to one of a paged person's contact methods. */
export type Delivery = { deliveryId: string; channel: PolicyChannel } | { deliveryId: string; contact: PersonContact };

export interface IncidentDecision {
  incident: IncidentMachineState;
  commands: IncidentCommand[];
  /** Whether what the incident waits for may have changed: the workflow's waits end on it. */
  wake: boolean;
}

/** What the incident waits for now. */
export type IncidentStep =
  | { kind: 'page' }
  | { kind: 'wait'; until: number; happening: 'levelTimedOut' | 'snoozeEnded' | 'delayedPageDue' }
  | { kind: 'closeAt'; at: number }
  /** Acknowledged, exhausted, or without a policy: until a responder or the target acts. */
  | { kind: 'idle' };

/** A new incident: triggered at the policy's first level (or nobody paged without one), and its `opened` event. */
export function openIncident(facts: IncidentFacts, policy: PolicySnapshot | null, policyNote: string | undefined): IncidentDecision {
  const incident: IncidentMachineState = {
    state: 'triggered',
    stateBeforeResolve: 'triggered',
    targetDown: true,
    policy,
    position: { round: 0, level: 0 },
    levelSince: facts.openedAt,
    levelNotified: false,
    pageKind: 'triggered',
    acknowledged: null,
    resolved: null,
    assignee: null,
    snoozedUntil: null,
    paged: [],
    closedAt: null,
    targetDeleted: false,
    eventSeq: 0,
    notificationSeq: 0,
    lastTargetReportAt: facts.openedAt,
    recentActions: [],
  };
  const note = policy ? `escalating with ${policy.name}` : `${policyNote ?? 'no escalation policy'}: nobody is notified`;
  const d = new Decision(facts, incident);
  d.record('opened', VIGIL, `${facts.reason} (${note})`, { policy: policy ? { id: policy.id, version: policy.version } : null });
  return d.done(false);
}

/** Why a responder action cannot be taken at all (the request is refused, nothing is recorded); undefined if it can. */
export function refusalOf(incident: IncidentMachineState, action: ResponderHappening): { message: string; type: string } | undefined {
  if (action.kind === 'resolve' || action.kind === 'note') return undefined;
  if (incident.state === 'resolved') return { message: 'the incident is resolved', type: 'IncidentResolved' };
  if (action.kind === 'snooze' && (!Number.isInteger(action.seconds) || action.seconds < 60 || action.seconds > 86_400)) {
    return { message: 'a snooze lasts from 60 s to 1 day', type: 'InvalidAction' };
  }
  if (action.kind === 'escalate' && !incident.policy) {
    return { message: 'the incident has no escalation policy: reassign it to one first', type: 'NoEscalationPolicy' };
  }
  if (action.kind === 'reassign' && action.assignee === undefined && !action.policy) {
    return { message: 'reassign to an assignee, an escalation policy, or both', type: 'InvalidAction' };
  }
  return undefined;
}

/** What happens to the incident, and what is to be done about it. */
export function decide(facts: IncidentFacts, incident: IncidentMachineState, happening: IncidentHappening, now: number): IncidentDecision {
  const d = new Decision(facts, { ...incident });
  const s = d.incident;
  switch (happening.kind) {
    case 'acknowledge': {
      if (d.repeated(happening.actionId) || s.state === 'acknowledged') return d.done(false);
      const { by } = happening;
      s.state = 'acknowledged';
      s.acknowledged = { by, at: now };
      d.cancelDelayedPages();
      d.tellMirrors();
      d.record('acknowledged', by, `acknowledged by ${by.name}: escalation stopped`);
      return d.done(true);
    }
    case 'resolve': {
      if (d.repeated(happening.actionId) || s.state === 'resolved') return d.done(false);
      const { by, note } = happening;
      d.resolve(by, `resolved by ${by.name}${note ? `: ${note}` : ''}`, now);
      return d.done(true);
    }
    case 'snooze': {
      if (d.repeated(happening.actionId)) return d.done(false);
      const { by, seconds } = happening;
      const wasAcknowledged = s.state === 'acknowledged';
      s.state = 'acknowledged';
      s.acknowledged ??= { by, at: now };
      d.cancelDelayedPages();
      if (!wasAcknowledged) d.tellMirrors();
      s.snoozedUntil = now + seconds * 1000;
      d.record('snoozed', by, `snoozed by ${by.name} until ${new Date(s.snoozedUntil).toISOString()}`, { seconds });
      return d.done(true);
    }
    case 'escalate': {
      if (d.repeated(happening.actionId)) return d.done(false);
      const { by } = happening;
      s.position = nextOnRequest(s.policy!, s.position);
      s.state = 'triggered';
      s.acknowledged = null;
      s.snoozedUntil = null;
      // The new level is notified (and its timeout started) at the workflow's next step.
      s.levelNotified = false;
      s.pageKind = 'escalated';
      d.record('escalated', by, `escalated by ${by.name} to ${levelName(s, s.position)}`);
      return d.done(true);
    }
    case 'reassign': {
      if (d.repeated(happening.actionId)) return d.done(false);
      const { by, assignee, policy } = happening;
      if (assignee !== undefined) s.assignee = assignee;
      if (policy) {
        // The new policy's people take over: pages the old one's put off are not sent.
        d.cancelDelayedPages();
        s.policy = policy;
        s.position = { round: 0, level: 0 };
        s.state = 'triggered';
        s.acknowledged = null;
        s.snoozedUntil = null;
        s.levelNotified = false;
        s.pageKind = 'triggered';
      }
      const to = [assignee !== undefined ? `assigned to ${assignee}` : '', policy ? `escalation policy ${policy.name}` : ''].filter(Boolean).join(', ');
      d.record('reassigned', by, `reassigned by ${by.name}: ${to}`, {
        ...(assignee !== undefined ? { assignee } : {}),
        ...(policy ? { policyId: policy.id } : {}),
      });
      return d.done(true);
    }
    case 'note': {
      if (d.repeated(happening.actionId)) return d.done(false);
      // A note changes nothing the incident waits for. A public one is marked so in the timeline: status pages read it.
      d.record('note', happening.by, happening.text, happening.public ? { public: true } : undefined);
      return d.done(false);
    }
    case 'targetDown': {
      const { at, reason, flapping } = happening;
      if (at <= s.lastTargetReportAt) return d.done(false);
      s.lastTargetReportAt = at;
      s.targetDown = true;
      if (s.state !== 'resolved') {
        d.record('target_down', VIGIL, `target down again: ${reason}`);
        return d.done(true);
      }
      if (s.targetDeleted) return d.done(false);
      // Within the reopen window: the same incident again, in the state it had; a level waiting for acknowledgement
      // starts its timeout afresh instead of being paged again at once.
      s.state = s.stateBeforeResolve;
      s.resolved = null;
      s.closedAt = null;
      s.levelSince = now;
      // Those already paged hear of it, unless the target is flapping: then the timeline alone records it.
      if (!flapping && s.paged.length > 0) d.notify(s.paged, 'reopened');
      d.record('reopened', VIGIL, `target down again within the reopen window: ${reason}`, { flapping });
      return d.done(true);
    }
    case 'targetCleared': {
      const { to, at, reason } = happening;
      if (at <= s.lastTargetReportAt) return d.done(false);
      s.lastTargetReportAt = at;
      s.targetDown = false;
      if (to === 'deleted') s.targetDeleted = true;
      const recovered = to === 'up' || to === 'degraded';
      if (s.state === 'resolved') {
        d.record('target_recovered', VIGIL, to === 'deleted' ? 'target deleted' : `target shows ${to}: ${reason}`);
      } else if (recovered && !facts.settings.autoResolve) {
        d.record('target_recovered', VIGIL, `target recovered (${reason}); waiting for a responder to resolve`);
      } else if (recovered) {
        d.resolve(VIGIL, `target recovered: ${reason}`, now);
      } else {
        // Paused, put in maintenance, or deleted by an operator: nobody is to be paged about it any more.
        const what = to === 'deleted' ? 'deleted' : to === 'paused' ? 'paused' : to === 'maintenance' ? 'in maintenance' : `shows ${to}`;
        d.resolve(VIGIL, `target ${what}: ${reason}`, now);
      }
      return d.done(true);
    }
    case 'page': {
      const policy = s.policy!;
      const { channels, people } = policy.levels[s.position.level]!;
      s.levelSince = now;
      s.levelNotified = true;
      if (channels.length > 0) {
        const paged = [...s.paged];
        for (const c of channels) if (!paged.some((p) => p.id === c.id)) paged.push(c);
        s.paged = paged;
        const deliveries = d.notify(channels, s.pageKind);
        d.record('notified', VIGIL, `notified ${levelName(s, s.position)} of ${policy.name}: ${channels.map((c) => c.name).join(', ')}`, {
          level: s.position.level + 1,
          round: s.position.round + 1,
          kind: s.pageKind,
          deliveryIds: deliveries.map((x) => x.deliveryId),
        });
      }
      // Only levels that name people find who is on call: a policy of channels alone decides as it always did.
      if (people && people.length > 0) d.commands.push({ kind: 'findOnCall', targets: people, at: now, position: s.position });
      return d.done(true);
    }
    case 'onCallFound': {
      const { position, answers } = happening;
      const where = `${levelName(s, position)} of ${s.policy!.name}`;
      for (const { target } of answers.filter((a) => a.people.length === 0)) {
        const why = target.kind === 'user' ? `user ${target.name} no longer exists` : `nobody is on call for ${target.kind} ${target.name}`;
        d.record('nobody_on_call', VIGIL, `${where}: ${why}`, { target });
      }
      const people = peopleToPage(answers);
      if (people.length === 0) return d.done(false);
      const names = people.map(({ person, via }) => pagedAs(person, via)).join(', ');
      const data = {
        level: position.level + 1,
        round: position.round + 1,
        people: people.map(({ person, via }) => ({ id: person.id, name: person.name, via })),
      };
      // Acknowledged (or moved on) while they were being found: who was on call is recorded, nobody is woken.
      const current = s.state === 'triggered' && s.position.level === position.level && s.position.round === position.round;
      if (!current) {
        d.record('paged', VIGIL, `${where}: on call ${names}; not paged, the incident is ${s.state === 'triggered' ? 'at another level' : s.state} now`, data);
        return d.done(false);
      }
      const plans = people.map(({ person }) => ({ person, ...pagesFor(person, now) }));
      const deliveries = d.notifyPeople(
        plans.flatMap((p) => p.atOnce),
        s.pageKind,
      );
      const later = plans.flatMap((p) => p.later);
      if (later.length > 0) s.delayedPages = [...(s.delayedPages ?? []), ...later].sort((a, b) => a.due - b.due);
      const how = plans
        .map(({ person, atOnce, later: after }) => {
          const ways = [...atOnce.map(contactName), ...after.map((p) => `${contactName(p.contact)} after ${p.afterMinutes} min unacknowledged`)];
          return `${person.name} by ${ways.join(', ') || 'no contact method'}`;
        })
        .join('; ');
      d.record('paged', VIGIL, `${where} paged ${names}: ${how}`, {
        ...data,
        deliveryIds: deliveries.map((x) => x.deliveryId),
        later: later.map((p) => ({ userId: p.contact.userId, contactMethod: p.contact.method, at: new Date(p.due).toISOString() })),
      });
      return d.done(later.length > 0);
    }
    case 'delayedPageDue': {
      const due = (s.delayedPages ?? []).filter((p) => p.due <= now);
      s.delayedPages = (s.delayedPages ?? []).filter((p) => p.due > now);
      const deliveries = d.notifyPeople(
        due.map((p) => p.contact),
        s.pageKind,
      );
      const what = due.map((p) => `${p.contact.userName} by ${contactName(p.contact)} (${p.afterMinutes} min unacknowledged)`).join(', ');
      d.record('paged', VIGIL, `paged ${what}`, { deliveryIds: deliveries.map((x) => x.deliveryId) });
      return d.done(true);
    }
    case 'levelTimedOut': {
      const policy = s.policy!;
      const next = nextOnTimeout(policy, s.position);
      const waited = `${levelName(s, s.position)} did not acknowledge within ${policy.levels[s.position.level]!.timeoutSeconds / 60} min`;
      if (!next) {
        s.state = 'exhausted';
        const rounds = policy.repeat + 1;
        d.record('exhausted', VIGIL, `${waited}: nobody acknowledged after ${rounds} round${rounds === 1 ? '' : 's'} of ${policy.name}; escalation ended`);
        return d.done(true);
      }
      s.position = next;
      s.levelNotified = false;
      s.pageKind = 'escalated';
      d.record('escalated', VIGIL, `${waited}: escalating to ${levelName(s, next)}`);
      return d.done(true);
    }
    case 'snoozeEnded': {
      s.state = 'triggered';
      s.acknowledged = null;
      s.snoozedUntil = null;
      s.levelNotified = false;
      s.pageKind = 'renotified';
      d.record('snooze_ended', VIGIL, s.policy ? `snooze ended: re-notifying ${levelName(s, s.position)}` : 'snooze ended');
      return d.done(true);
    }
    case 'close': {
      s.closedAt = now;
      d.record('closed', VIGIL, s.targetDeleted ? 'closed: the target was deleted' : 'closed: the reopen window passed');
      return d.done(false);
    }
  }
}

/** What the incident waits for now, in the order the workflow checks: a page due, a timeout, a snooze, its closing. */
export function nextStep(facts: IncidentFacts, s: IncidentMachineState, now: number): IncidentStep {
  if (s.state === 'resolved') return { kind: 'closeAt', at: s.targetDeleted ? now : s.resolved!.at + facts.settings.reopenWindowSeconds * 1000 };
  const delayedPage = s.delayedPages?.[0]?.due;
  if (s.state === 'triggered' && s.policy) {
    if (!s.levelNotified) return { kind: 'page' };
    const timeout = s.levelSince + s.policy.levels[s.position.level]!.timeoutSeconds * 1000;
    if (delayedPage !== undefined && delayedPage < timeout) return { kind: 'wait', until: delayedPage, happening: 'delayedPageDue' };
    return { kind: 'wait', until: timeout, happening: 'levelTimedOut' };
  }
  // Nobody acknowledged the whole chain: people's own rules still reach them.
  if (s.state === 'exhausted' && delayedPage !== undefined) return { kind: 'wait', until: delayedPage, happening: 'delayedPageDue' };
  if (s.state === 'acknowledged' && s.snoozedUntil !== null) return { kind: 'wait', until: s.snoozedUntil, happening: 'snoozeEnded' };
  return { kind: 'idle' };
}

/** A responder action whose record Postgres refused for good is not applied: the same action may come again. */
export function forgetAction(incident: IncidentMachineState, actionId: string): IncidentMachineState {
  return { ...incident, recentActions: incident.recentActions.filter((id) => id !== actionId) };
}

/** The incident as notifications describe it. */
export function summaryOf(facts: IncidentFacts, s: IncidentMachineState): IncidentSummary {
  return {
    id: facts.incidentId,
    targetId: facts.targetId,
    targetName: facts.targetName,
    state: s.state,
    reason: facts.reason,
    openedAt: new Date(facts.openedAt).toISOString(),
    ...(s.policy ? { level: s.position.level + 1, round: s.position.round + 1, policyName: s.policy.name } : {}),
    ...(s.acknowledged ? { acknowledgedBy: s.acknowledged.by.name } : {}),
    ...(s.resolved ? { resolvedBy: s.resolved.by.name } : {}),
  };
}

const levelName = (s: IncidentMachineState, p: EscalationPosition) => `level ${p.level + 1}${s.policy && s.policy.repeat > 0 ? ` (round ${p.round + 1})` : ''}`;

/** One decision being made: the incident as it changes, and the commands it gives, in order. */
class Decision {
  readonly commands: IncidentCommand[] = [];
  constructor(
    private readonly facts: IncidentFacts,
    readonly incident: IncidentMachineState,
  ) {}

  /** Whether the action was applied already (a retried request); remembers it otherwise. */
  repeated(actionId: string): boolean {
    if (this.incident.recentActions.includes(actionId)) return true;
    this.incident.recentActions = [...this.incident.recentActions, actionId].slice(-RECENT_ACTIONS);
    return false;
  }

  notify(channels: PolicyChannel[], notification: NotificationKind) {
    const n = ++this.incident.notificationSeq;
    const deliveries = channels.map((channel) => ({ deliveryId: `${this.facts.incidentId}-n${n}-${channel.id}`, channel }));
    this.commands.push({ kind: 'notify', notification, deliveries, incident: summaryOf(this.facts, this.incident) });
    return deliveries;
  }

  /** One notification to each of the people's contact methods; none, nothing is sent and no number is taken. */
  notifyPeople(contacts: PersonContact[], notification: NotificationKind) {
    if (contacts.length === 0) return [];
    const n = ++this.incident.notificationSeq;
    const deliveries = contacts.map((contact, i) => ({ deliveryId: `${this.facts.incidentId}-n${n}-${contact.userId}-${i}`, contact }));
    this.commands.push({ kind: 'notify', notification, deliveries, incident: summaryOf(this.facts, this.incident) });
    return deliveries;
  }

  /** A responder took the incident (or it was resolved): pages people's rules put off are not sent. */
  cancelDelayedPages() {
    if (this.incident.delayedPages?.length) this.incident.delayedPages = [];
  }

  /**
   * The acknowledgement, to the paged channels that mirror the incident (PagerDuty, Opsgenie). None paged, nothing
   * is sent and no notification number is taken: incidents without such channels (all those recorded before they
   * existed) decide exactly as before, so their histories replay unchanged.
   */
  tellMirrors() {
    const mirrors = this.incident.paged.filter((c) => CHANNEL_KINDS_MIRRORING_STATE.includes(c.kind));
    if (mirrors.length > 0) this.notify(mirrors, 'acknowledged');
  }

  record(kind: EventKind, actor: Actor, message: string, data?: Record<string, unknown>) {
    const seq = ++this.incident.eventSeq;
    this.commands.push({ kind: 'record', event: { seq, kind, actor, message, ...(data ? { data } : {}) } });
  }

  resolve(by: Actor, message: string, now: number) {
    const s = this.incident;
    s.stateBeforeResolve = s.state as OpenState;
    s.state = 'resolved';
    s.resolved = { by, at: now };
    s.snoozedUntil = null;
    this.cancelDelayedPages();
    if (s.paged.length > 0) this.notify(s.paged, 'resolved');
    this.record('resolved', by, message);
  }

  done(wake: boolean): IncidentDecision {
    return { incident: this.incident, commands: this.commands, wake };
  }
}
