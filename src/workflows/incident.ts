import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  acknowledgeUpdate,
  addNoteUpdate,
  escalateUpdate,
  INCIDENT_SEARCH_ATTRIBUTES,
  incidentQuery,
  reassignUpdate,
  resolveUpdate,
  snoozeUpdate,
  targetClearedSignal,
  targetDownSignal,
  type IncidentCarried,
  type IncidentChannel,
  type IncidentRow,
  type IncidentWorkflowInput,
  type ResponderAction,
} from '../contracts/incident';
import { unstorableRefusal } from '../contracts/failures';
import {
  NOTIFICATION_RETRY,
  VIGIL,
  nextOnRequest,
  nextOnTimeout,
  type Actor,
  type EscalationPosition,
  type EventKind,
  type IncidentSummary,
  type NotificationKind,
  type OpenState,
} from '../domain/incident';

const { recordIncidentChange } = proxyActivities<Activities>({
  // Projection writes: idempotent, so they retry until Postgres takes them.
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

const { deliverNotification } = proxyActivities<Activities>({
  // One attempt: an HTTP POST or an SMTP exchange, each with its own shorter timeouts.
  startToCloseTimeout: '1m',
  retry: {
    initialInterval: NOTIFICATION_RETRY.initialMs,
    backoffCoefficient: 2,
    maximumInterval: NOTIFICATION_RETRY.maximumMs,
    maximumAttempts: NOTIFICATION_RETRY.attempts,
    nonRetryableErrorTypes: ['DeliveryRefused'],
  },
});

/** Far below Temporal's warning; an incident rarely comes near it, but responders can add notes without end. */
export const INCIDENT_HISTORY_EVENTS_PER_RUN = 2_000;
const RECENT_ACTIONS = 100;

const refuse = (message: string, type: string) => ApplicationFailure.nonRetryable(message, type);

/**
 * One workflow per incident: notifies the escalation policy's levels in turn, each on a timer, until a responder
 * acknowledges; the chain repeats `repeat` more times, then the incident is marked exhausted. Responders act through
 * updates (acknowledge, resolve, snooze, escalate, reassign, note); the target reports through signals (down,
 * cleared). Every change is one timeline event, projected to Postgres. After a resolution the workflow stays for the
 * reopen window, so the target going down again reopens this incident instead of paging anew; then it ends, and the
 * target's next outage is a new incident.
 */
export async function incidentWorkflow(input: IncidentWorkflowInput): Promise<IncidentRow> {
  const { incidentId, targetId, targetName, sequence, openedAt, reason, settings } = input;
  const s: IncidentCarried = input.carried ?? {
    state: 'triggered',
    stateBeforeResolve: 'triggered',
    targetDown: true,
    policy: input.policy,
    position: { round: 0, level: 0 },
    levelSince: openedAt,
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
    lastTargetReportAt: openedAt,
    recentActions: [],
  };
  /** Bumped by every change: the main loop's waits end on it. */
  let revision = 0;
  const changed = () => void revision++;
  const deliveries = new Set<Promise<void>>();
  // A namespace without Vigil's search attributes starts incidents without them (see reportTargetDown); then they are
  // never upserted either, which would fail the workflow task.
  const indexed = workflowInfo().typedSearchAttributes.get(INCIDENT_SEARCH_ATTRIBUTES.state) !== undefined;
  let indexedState = s.state;

  const row = (version: number): IncidentRow => ({
    id: incidentId,
    targetId,
    sequence,
    targetName,
    state: s.state,
    reason,
    policy: s.policy,
    level: s.policy ? s.position.level : null,
    round: s.policy ? s.position.round : null,
    assignee: s.assignee,
    acknowledged: s.acknowledged,
    snoozedUntil: s.snoozedUntil,
    resolved: s.resolved,
    openedAt,
    closedAt: s.closedAt,
    version,
  });
  const view = () => row(s.eventSeq);

  /** Records the change just made (the row as it now stands, and what happened) and waits until Postgres has it. */
  const record = async (kind: EventKind, actor: Actor, message: string, data?: Record<string, unknown>) => {
    const seq = ++s.eventSeq;
    if (indexed && s.state !== indexedState) {
      upsertSearchAttributes([{ key: INCIDENT_SEARCH_ATTRIBUTES.state, value: s.state }]);
      indexedState = s.state;
    }
    await recordIncidentChange({ row: row(seq), event: { seq, at: Date.now(), kind, actor, message, ...(data ? { data } : {}) } });
  };

  const summary = (): IncidentSummary => ({
    id: incidentId,
    targetId,
    targetName,
    state: s.state,
    reason,
    openedAt: new Date(openedAt).toISOString(),
    ...(s.policy ? { level: s.position.level + 1, round: s.position.round + 1, policyName: s.policy.name } : {}),
    ...(s.acknowledged ? { acknowledgedBy: s.acknowledged.by.name } : {}),
    ...(s.resolved ? { resolvedBy: s.resolved.by.name } : {}),
  });

  /**
   * Sends one notification to each channel, each its own activity, not awaited: a channel that keeps failing retries
   * on its own and delays neither the others nor the escalation timer. Returns the delivery ids.
   */
  const notify = (channels: IncidentChannel[], kind: NotificationKind): string[] => {
    const n = ++s.notificationSeq;
    const incident = summary();
    return channels.map((channel) => {
      const deliveryId = `${incidentId}-n${n}-${channel.id}`;
      const delivery = deliverNotification({ channel, notification: { deliveryId, kind, at: Date.now(), incident } }).catch((err) => {
        if (!(err instanceof ActivityFailure)) throw err;
        // Its record in notification_deliveries says failed, and why.
        log.warn('notification not delivered', { incidentId, deliveryId, error: err.cause?.message ?? err.message });
      });
      deliveries.add(delivery);
      void delivery.finally(() => deliveries.delete(delivery));
      return deliveryId;
    });
  };

  const levelName = (p: EscalationPosition) => `level ${p.level + 1}${s.policy && s.policy.repeat > 0 ? ` (round ${p.round + 1})` : ''}`;

  /** Notifies the current level, and starts its acknowledgement timeout. */
  const page = async () => {
    const policy = s.policy!;
    const { channels } = policy.levels[s.position.level]!;
    s.levelSince = Date.now();
    s.levelNotified = true;
    for (const c of channels) if (!s.paged.some((p) => p.id === c.id)) s.paged.push(c);
    changed();
    const deliveryIds = notify(channels, s.pageKind);
    await record('notified', VIGIL, `notified ${levelName(s.position)} of ${policy.name}: ${channels.map((c) => c.name).join(', ')}`, {
      level: s.position.level + 1,
      round: s.position.round + 1,
      kind: s.pageKind,
      deliveryIds,
    });
  };

  const resolve = async (by: Actor, message: string) => {
    s.stateBeforeResolve = s.state as OpenState;
    s.state = 'resolved';
    s.resolved = { by, at: Date.now() };
    s.snoozedUntil = null;
    changed();
    if (s.paged.length > 0) notify(s.paged, 'resolved');
    await record('resolved', by, message);
  };

  /** Whether the action was applied already (a retried request); remembers it otherwise. */
  const repeated = (actionId: string) => {
    if (s.recentActions.includes(actionId)) return true;
    s.recentActions = [...s.recentActions, actionId].slice(-RECENT_ACTIONS);
    return false;
  };
  const mustBeOpen = () => {
    if (s.state === 'resolved') throw refuse('the incident is resolved', 'IncidentResolved');
  };

  setHandler(incidentQuery, view);

  setHandler(
    acknowledgeUpdate,
    async ({ actionId, by }) => {
      if (repeated(actionId) || s.state === 'acknowledged') return view();
      s.state = 'acknowledged';
      s.acknowledged = { by, at: Date.now() };
      changed();
      await record('acknowledged', by, `acknowledged by ${by.name}: escalation stopped`);
      return view();
    },
    { validator: (_: ResponderAction) => mustBeOpen() },
  );

  setHandler(resolveUpdate, async ({ actionId, by, note }) => {
    if (repeated(actionId) || s.state === 'resolved') return view();
    await resolve(by, `resolved by ${by.name}${note ? `: ${note}` : ''}`);
    return view();
  });

  setHandler(
    snoozeUpdate,
    async ({ actionId, by, seconds }) => {
      if (repeated(actionId)) return view();
      s.state = 'acknowledged';
      s.acknowledged ??= { by, at: Date.now() };
      s.snoozedUntil = Date.now() + seconds * 1000;
      changed();
      await record('snoozed', by, `snoozed by ${by.name} until ${new Date(s.snoozedUntil).toISOString()}`, { seconds });
      return view();
    },
    {
      validator: ({ seconds }) => {
        mustBeOpen();
        if (!Number.isInteger(seconds) || seconds < 60 || seconds > 86_400) throw refuse('a snooze lasts from 60 s to 1 day', 'InvalidAction');
      },
    },
  );

  setHandler(
    escalateUpdate,
    async ({ actionId, by }) => {
      if (repeated(actionId)) return view();
      s.position = nextOnRequest(s.policy!, s.position);
      s.state = 'triggered';
      s.acknowledged = null;
      s.snoozedUntil = null;
      // The main loop notifies the new level (and starts its timeout) as soon as this change is recorded.
      s.levelNotified = false;
      s.pageKind = 'escalated';
      changed();
      await record('escalated', by, `escalated by ${by.name} to ${levelName(s.position)}`);
      return view();
    },
    {
      validator: (_: ResponderAction) => {
        mustBeOpen();
        if (!s.policy) throw refuse('the incident has no escalation policy: reassign it to one first', 'NoEscalationPolicy');
      },
    },
  );

  setHandler(
    reassignUpdate,
    async ({ actionId, by, assignee, policy }) => {
      if (repeated(actionId)) return view();
      if (assignee !== undefined) s.assignee = assignee;
      if (policy) {
        s.policy = policy;
        s.position = { round: 0, level: 0 };
        s.state = 'triggered';
        s.acknowledged = null;
        s.snoozedUntil = null;
        s.levelNotified = false;
        s.pageKind = 'triggered';
      }
      changed();
      const to = [assignee !== undefined ? `assigned to ${assignee}` : '', policy ? `escalation policy ${policy.name}` : ''].filter(Boolean).join(', ');
      await record('reassigned', by, `reassigned by ${by.name}: ${to}`, {
        ...(assignee !== undefined ? { assignee } : {}),
        ...(policy ? { policyId: policy.id } : {}),
      });
      return view();
    },
    {
      validator: ({ assignee, policy }) => {
        mustBeOpen();
        if (assignee === undefined && !policy) throw refuse('reassign to an assignee, an escalation policy, or both', 'InvalidAction');
      },
    },
  );

  setHandler(addNoteUpdate, async ({ actionId, by, text }) => {
    if (repeated(actionId)) return view();
    try {
      await record('note', by, text);
    } catch (err) {
      const refusal = unstorableRefusal(err);
      if (!refusal) throw err;
      // Not applied: the same action may come again, stored.
      s.recentActions = s.recentActions.filter((id) => id !== actionId);
      throw refuse(`the note cannot be stored: ${refusal.message}`, 'NoteUnstorable');
    }
    return view();
  });

  setHandler(targetDownSignal, async ({ at, reason: why, flapping }) => {
    if (at <= s.lastTargetReportAt) return;
    s.lastTargetReportAt = at;
    s.targetDown = true;
    if (s.state !== 'resolved') {
      changed();
      await record('target_down', VIGIL, `target down again: ${why}`);
      return;
    }
    if (s.targetDeleted) return;
    // Within the reopen window: the same incident again, in the state it had; a level waiting for acknowledgement
    // starts its timeout afresh instead of being paged again at once.
    s.state = s.stateBeforeResolve;
    s.resolved = null;
    s.closedAt = null;
    s.levelSince = Date.now();
    changed();
    // Those already paged hear of it, unless the target is flapping: then the timeline alone records it.
    if (!flapping && s.paged.length > 0) notify(s.paged, 'reopened');
    await record('reopened', VIGIL, `target down again within the reopen window: ${why}`, { flapping });
  });

  setHandler(targetClearedSignal, async ({ to, at, reason: why }) => {
    if (at <= s.lastTargetReportAt) return;
    s.lastTargetReportAt = at;
    s.targetDown = false;
    if (to === 'deleted') s.targetDeleted = true;
    changed();
    const recovered = to === 'up' || to === 'degraded';
    if (s.state === 'resolved') {
      await record('target_recovered', VIGIL, to === 'deleted' ? 'target deleted' : `target shows ${to}: ${why}`);
    } else if (recovered && !settings.autoResolve) {
      await record('target_recovered', VIGIL, `target recovered (${why}); waiting for a responder to resolve`);
    } else if (recovered) {
      await resolve(VIGIL, `target recovered: ${why}`);
    } else {
      // Paused, put in maintenance, or deleted by an operator: nobody is to be paged about it any more.
      const what = to === 'deleted' ? 'deleted' : to === 'paused' ? 'paused' : to === 'maintenance' ? 'in maintenance' : `shows ${to}`;
      await resolve(VIGIL, `target ${what}: ${why}`);
    }
  });

  /**
   * Waits until something changes, until `at`, or until the history asks for continue-as-new (notes change nothing
   * else but grow it); true unless `at` came first.
   */
  const waitForChange = (seen: number, at?: number) => {
    const woken = () => revision !== seen || continueAsNewDue();
    return at === undefined ? condition(woken) : condition(woken, Math.max(0, at - Date.now()));
  };
  const continueAsNewDue = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > INCIDENT_HISTORY_EVENTS_PER_RUN;

  if (!input.carried) {
    const note = s.policy ? `escalating with ${s.policy.name}` : `${input.policyNote ?? 'no escalation policy'}: nobody is notified`;
    await record('opened', VIGIL, `${reason} (${note})`, { policy: s.policy ? { id: s.policy.id, version: s.policy.version } : null });
  }

  for (;;) {
    const seen = revision;
    if (continueAsNewDue()) {
      await Promise.all([...deliveries]);
      await condition(allHandlersFinished);
      if (revision !== seen) continue;
      await continueAsNew<typeof incidentWorkflow>({ ...input, carried: s });
    }
    if (s.state === 'resolved') {
      const closesAt = s.targetDeleted ? Date.now() : s.resolved!.at + settings.reopenWindowSeconds * 1000;
      if (Date.now() < closesAt && (await waitForChange(seen, closesAt))) continue;
      if (s.state !== 'resolved') continue;
      await Promise.all([...deliveries]);
      await condition(allHandlersFinished);
      if (s.state !== 'resolved') continue;
      s.closedAt = Date.now();
      await record('closed', VIGIL, s.targetDeleted ? 'closed: the target was deleted' : 'closed: the reopen window passed');
      // A report that arrived while closing reopened it: carry on instead of ending with it unheard.
      if (s.state !== 'resolved') continue;
      return view();
    }
    if (s.state === 'triggered' && s.policy) {
      if (!s.levelNotified) {
        await page();
        continue;
      }
      const timeoutAt = s.levelSince + s.policy.levels[s.position.level]!.timeoutSeconds * 1000;
      if (await waitForChange(seen, timeoutAt)) continue;
      const next = nextOnTimeout(s.policy, s.position);
      const waited = `${levelName(s.position)} did not acknowledge within ${s.policy.levels[s.position.level]!.timeoutSeconds / 60} min`;
      if (!next) {
        s.state = 'exhausted';
        changed();
        const rounds = s.policy.repeat + 1;
        await record(
          'exhausted',
          VIGIL,
          `${waited}: nobody acknowledged after ${rounds} round${rounds === 1 ? '' : 's'} of ${s.policy.name}; escalation ended`,
        );
        continue;
      }
      s.position = next;
      s.levelNotified = false;
      s.pageKind = 'escalated';
      changed();
      await record('escalated', VIGIL, `${waited}: escalating to ${levelName(next)}`);
      continue;
    }
    if (s.state === 'acknowledged' && s.snoozedUntil !== null) {
      if (await waitForChange(seen, s.snoozedUntil)) continue;
      s.state = 'triggered';
      s.acknowledged = null;
      s.snoozedUntil = null;
      s.levelNotified = false;
      s.pageKind = 'renotified';
      changed();
      await record('snooze_ended', VIGIL, s.policy ? `snooze ended: re-notifying ${levelName(s.position)}` : 'snooze ended');
      continue;
    }
    // Acknowledged, exhausted, or without a policy: waiting for a responder or the target.
    await waitForChange(seen);
  }
}
