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
  type IncidentRow,
  type IncidentWorkflowInput,
} from '../contracts/incident';
import { unstorableRefusal } from '../contracts/failures';
import { NOTIFICATION_RETRY } from '../domain/incident';
import {
  decide,
  forgetAction,
  nextStep,
  openIncident,
  refusalOf,
  type IncidentCommand,
  type IncidentDecision,
  type IncidentFacts,
  type IncidentHappening,
  type IncidentMachineState,
  type ResponderHappening,
} from '../domain/incident-machine';

const { recordIncidentChange } = proxyActivities<Activities>({
  // Projection writes: idempotent, so they retry until Postgres takes them.
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

const { findOnCall } = proxyActivities<Activities>({
  // Reads only: retried until Postgres answers; its answer, in the history, is what a replay uses.
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

/**
 * One workflow per incident, interpreting the incident's state machine (src/domain/incident-machine.ts): it notifies
 * the escalation policy's levels in turn, each on a timer, until a responder acknowledges; the chain repeats `repeat`
 * more times, then the incident is marked exhausted. Responders act through updates (acknowledge, resolve, snooze,
 * escalate, reassign, note); the target reports through signals (down, cleared). Every change is one timeline event,
 * projected to Postgres. After a resolution the workflow stays for the reopen window, so the target going down again
 * reopens this incident instead of paging anew; then it ends, and the target's next outage is a new incident.
 */
export async function incidentWorkflow(input: IncidentWorkflowInput): Promise<IncidentRow> {
  const { incidentId, targetId, targetName, sequence, openedAt, reason, settings } = input;
  const facts: IncidentFacts = { incidentId, targetId, targetName, reason, openedAt, settings };
  const opened = input.carried ? undefined : openIncident(facts, input.policy, input.policyNote);
  let s: IncidentMachineState = input.carried ?? opened!.incident;
  /** Bumped by every change the incident's waits depend on: the main loop's waits end on it. */
  let revision = 0;
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

  /** Sends each notification as its own activity, not awaited: a failing channel delays neither the others nor the escalation. */
  const notify = ({ notification, deliveries: each, incident }: Extract<IncidentCommand, { kind: 'notify' }>) => {
    for (const { deliveryId, ...to } of each) {
      const delivery = deliverNotification({ ...to, notification: { deliveryId, kind: notification, at: Date.now(), incident } }).catch((err) => {
        if (!(err instanceof ActivityFailure)) throw err;
        // Its record in notification_deliveries says failed, and why.
        log.warn('notification not delivered', { incidentId, deliveryId, error: err.cause?.message ?? err.message });
      });
      deliveries.add(delivery);
      void delivery.finally(() => deliveries.delete(delivery));
    }
  };

  /** Records the change just made (the row as it now stands, and what happened) and waits until Postgres has it. */
  const record = async ({ event }: Extract<IncidentCommand, { kind: 'record' }>) => {
    if (indexed && s.state !== indexedState) {
      upsertSearchAttributes([{ key: INCIDENT_SEARCH_ATTRIBUTES.state, value: s.state }]);
      indexedState = s.state;
    }
    await recordIncidentChange({ row: row(event.seq), event: { ...event, at: Date.now() } });
  };

  /** Takes a decision: the incident becomes what it says, then its commands run in order. */
  const carryOut = async ({ incident, commands, wake }: IncidentDecision) => {
    s = incident;
    if (wake) revision++;
    for (const command of commands) {
      if (command.kind === 'notify') notify(command);
      else if (command.kind === 'findOnCall') {
        const { targets, at, position } = command;
        await happen({ kind: 'onCallFound', position, answers: await findOnCall({ targets, at }) });
      } else await record(command);
    }
  };
  const happen = (happening: IncidentHappening) => carryOut(decide(facts, s, happening, Date.now()));

  /** A responder's action: refused before it is accepted when it cannot apply, and answered with the incident after. */
  const respond = async (action: ResponderHappening) => {
    await happen(action);
    return view();
  };
  const mustApply = (action: ResponderHappening) => {
    const refusal = refusalOf(s, action);
    if (refusal) throw ApplicationFailure.nonRetryable(refusal.message, refusal.type);
  };

  setHandler(incidentQuery, view);
  setHandler(acknowledgeUpdate, (a) => respond({ kind: 'acknowledge', ...a }), { validator: (a) => mustApply({ kind: 'acknowledge', ...a }) });
  setHandler(resolveUpdate, (a) => respond({ kind: 'resolve', ...a }));
  setHandler(snoozeUpdate, (a) => respond({ kind: 'snooze', ...a }), { validator: (a) => mustApply({ kind: 'snooze', ...a }) });
  setHandler(escalateUpdate, (a) => respond({ kind: 'escalate', ...a }), { validator: (a) => mustApply({ kind: 'escalate', ...a }) });
  setHandler(reassignUpdate, (a) => respond({ kind: 'reassign', ...a }), { validator: (a) => mustApply({ kind: 'reassign', ...a }) });
  setHandler(addNoteUpdate, async (a) => {
    try {
      return await respond({ kind: 'note', ...a });
    } catch (err) {
      const refusal = unstorableRefusal(err);
      if (!refusal) throw err;
      // Not applied: the same action may come again, stored.
      s = forgetAction(s, a.actionId);
      throw ApplicationFailure.nonRetryable(`the note cannot be stored: ${refusal.message}`, 'NoteUnstorable');
    }
  });
  setHandler(targetDownSignal, (report) => happen({ kind: 'targetDown', ...report }));
  setHandler(targetClearedSignal, (report) => happen({ kind: 'targetCleared', ...report }));

  /**
   * Waits until something changes, until `at`, or until the history asks for continue-as-new (notes change nothing
   * else but grow it); true unless `at` came first.
   */
  const waitForChange = (seen: number, at?: number) => {
    const woken = () => revision !== seen || continueAsNewDue();
    return at === undefined ? condition(woken) : condition(woken, Math.max(0, at - Date.now()));
  };
  const continueAsNewDue = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > INCIDENT_HISTORY_EVENTS_PER_RUN;
  /** Lets deliveries and handlers in flight finish: true if the incident changed meanwhile. */
  const settle = async (seen: number) => {
    await Promise.all([...deliveries]);
    await condition(allHandlersFinished);
    return revision !== seen;
  };

  if (opened) await carryOut(opened);

  for (;;) {
    const seen = revision;
    if (continueAsNewDue()) {
      if (await settle(seen)) continue;
      await continueAsNew<typeof incidentWorkflow>({ ...input, carried: s });
    }
    const step = nextStep(facts, s, Date.now());
    switch (step.kind) {
      case 'page':
        await happen({ kind: 'page' });
        break;
      case 'wait':
        if (!(await waitForChange(seen, step.until))) await happen({ kind: step.happening });
        break;
      case 'idle':
        await waitForChange(seen);
        break;
      case 'closeAt': {
        if (Date.now() < step.at && (await waitForChange(seen, step.at))) break;
        if (s.state !== 'resolved') break;
        await settle(seen);
        if (s.state !== 'resolved') break;
        await happen({ kind: 'close' });
        // A report that arrived while closing reopened it: carry on instead of ending with it unheard.
        if (s.state !== 'resolved') break;
        return view();
      }
    }
  }
}
