import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { PolicySnapshot } from '../domain/escalation';
import type { Actor, EventKind, IncidentSettings, IncidentState } from '../domain/incident';
import type { IncidentMachineState, PolicyChannel } from '../domain/incident-machine';
import type { ShownState } from '../domain/shown-state';

/**
 * What crosses the incident workflow's boundary: its input, the signals the target sends it, the updates responders
 * send it, and the incident as it reports it. The workflow (src/workflows/incident.ts) implements them; the API and
 * activities use them without importing the workflow.
 */

/** The incident workflow's type name, as the worker registers it (src/workflows/index.ts). */
export const INCIDENT_WORKFLOW = 'incidentWorkflow';
export type IncidentWorkflow = (input: IncidentWorkflowInput) => Promise<IncidentRow>;

/** The incident as its workflow holds it, flattened for its row. Times are epoch ms. */
export interface IncidentRow {
  id: string;
  targetId: string;
  sequence: number;
  targetName: string;
  state: IncidentState;
  reason: string;
  policy: PolicySnapshot | null;
  level: number | null;
  round: number | null;
  assignee: string | null;
  acknowledged: { by: Actor; at: number } | null;
  snoozedUntil: number | null;
  resolved: { by: Actor; at: number } | null;
  openedAt: number;
  closedAt: number | null;
  /** The sequence of the event that produced this row. */
  version: number;
}

export interface IncidentEvent {
  seq: number;
  at: number;
  kind: EventKind;
  actor: Actor;
  message: string;
  data?: Record<string, unknown>;
}

/** What Vigil's incident workflows are found by in the Temporal UI (registered by `npm run up` and deploy/). */
export const INCIDENT_SEARCH_ATTRIBUTES = {
  targetId: defineSearchAttributeKey('VigilTargetId', SearchAttributeType.KEYWORD),
  incidentId: defineSearchAttributeKey('VigilIncidentId', SearchAttributeType.KEYWORD),
  state: defineSearchAttributeKey('VigilState', SearchAttributeType.KEYWORD),
};

export interface IncidentWorkflowInput {
  incidentId: string;
  targetId: string;
  targetName: string;
  sequence: number;
  /** The down flip's time and reason. */
  openedAt: number;
  reason: string;
  settings: IncidentSettings;
  /** The escalation policy as it stood when the incident opened; null: nobody is notified. */
  policy: PolicySnapshot | null;
  /** Why there is no policy although the target names one. */
  policyNote?: string;
  carried?: IncidentCarried;
}

/** A channel of the escalation policy the incident pages. */
export type IncidentChannel = PolicyChannel;

/** Everything the incident decides with, handed on whole at continue-as-new: its state machine's state. */
export type IncidentCarried = IncidentMachineState;

export interface TargetDownReport {
  at: number;
  reason: string;
  flapping: boolean;
}
export interface TargetClearedReport {
  to: ShownState | 'deleted';
  at: number;
  reason: string;
}

/** The target's side: sent by its workflow's activities (signal-with-start opens the incident with the first). */
export const targetDownSignal = defineSignal<[TargetDownReport]>('targetDown');
export const targetClearedSignal = defineSignal<[TargetClearedReport]>('targetCleared');

/** Every responder action names who acts, and an id that makes repeating it harmless. */
export interface ResponderAction {
  actionId: string;
  by: Actor;
}
export const acknowledgeUpdate = defineUpdate<IncidentRow, [ResponderAction]>('acknowledge');
export const resolveUpdate = defineUpdate<IncidentRow, [ResponderAction & { note?: string }]>('resolve');
/** Acknowledges for now, and re-notifies the current level after `seconds`. */
export const snoozeUpdate = defineUpdate<IncidentRow, [ResponderAction & { seconds: number }]>('snooze');
export const escalateUpdate = defineUpdate<IncidentRow, [ResponderAction]>('escalate');
/** Hands the incident to someone (a name), or to another escalation policy, which then starts from its first level. */
export const reassignUpdate = defineUpdate<IncidentRow, [ResponderAction & { assignee?: string; policy?: PolicySnapshot }]>('reassign');
/** `public`: the note is an update for the public too, on the status pages that show the target. */
export const addNoteUpdate = defineUpdate<IncidentRow, [ResponderAction & { text: string; public?: boolean }]>('addNote');
export const incidentQuery = defineQuery<IncidentRow>('incident');
