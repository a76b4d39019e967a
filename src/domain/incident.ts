import type { PolicySnapshot } from './escalation';

/**
 * Incidents: what a target's outage opens, escalates through its policy, and what responders act on. Pure: shared by
 * the incident workflow, its activities and the API.
 *
 * States: `triggered` (escalating: levels are notified in turn until someone acknowledges), `acknowledged` (a human
 * owns it; escalation stopped), `exhausted` (every level of every round was notified and nobody acknowledged; still
 * open, still acknowledgeable), `resolved` (closed; reopens if its target goes down again within the reopen window).
 */
export const INCIDENT_STATES = ['triggered', 'acknowledged', 'exhausted', 'resolved'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];
export type OpenState = Exclude<IncidentState, 'resolved'>;

/** Who did something: an API key (its id and name), or Vigil itself. */
export interface Actor {
  id: string;
  name: string;
}
export const VIGIL: Actor = { id: 'vigil', name: 'Vigil' };

export const DEFAULT_REOPEN_WINDOW_SECONDS = 900;

export interface IncidentSettings {
  autoResolve: boolean;
  reopenWindowSeconds: number;
}

/** Where an escalation stands: round from 0 (the chain's first pass), level from 0. */
export interface EscalationPosition {
  round: number;
  level: number;
}

/** Where escalation goes when a level's acknowledgement timeout passes; undefined once the chain and its repeats ran out. */
export function nextOnTimeout(policy: PolicySnapshot, at: EscalationPosition): EscalationPosition | undefined {
  if (at.level + 1 < policy.levels.length) return { round: at.round, level: at.level + 1 };
  if (at.round < policy.repeat) return { round: at.round + 1, level: 0 };
  return undefined;
}

/** Where "escalate now" goes: the next level, or the first of another round; a human asked, so no repeat limit applies. */
export function nextOnRequest(policy: PolicySnapshot, at: EscalationPosition): EscalationPosition {
  return at.level + 1 < policy.levels.length ? { round: at.round, level: at.level + 1 } : { round: at.round + 1, level: 0 };
}

/**
 * Why a notification is sent. `acknowledged` goes only to channels that mirror the incident's state (an incident of
 * their own that a human acknowledges there too: CHANNEL_KINDS_MIRRORING_STATE in src/domain/channel-kinds.ts).
 * `test` is no incident's: an operator asked for one (POST /v1/channels/:id/test).
 */
export const NOTIFICATION_KINDS = ['triggered', 'escalated', 'renotified', 'reopened', 'acknowledged', 'resolved', 'test'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** The incident as notifications describe it. */
export interface IncidentSummary {
  id: string;
  targetId: string;
  targetName: string;
  state: IncidentState;
  reason: string;
  openedAt: string;
  /** 1-based, as people count; absent without a policy. */
  level?: number;
  round?: number;
  policyName?: string;
  acknowledgedBy?: string;
  resolvedBy?: string;
}

/** One notification, decided (and so fixed, whatever retries follow) by the incident workflow. */
export interface Notification {
  /** Stable across every retry of this delivery: the receivers' idempotency key. */
  deliveryId: string;
  kind: NotificationKind;
  /** When the workflow decided to send it (epoch ms). */
  at: number;
  incident: IncidentSummary;
}

/** What the timeline (`incident_events`) records. */
export const EVENT_KINDS = [
  'opened',
  'notified',
  /** People a level paged in person (or a delayed notification rule paged), by name. */
  'paged',
  /** A schedule or rotation a level pages had nobody on call when the level fired. */
  'nobody_on_call',
  'escalated',
  'exhausted',
  'acknowledged',
  'snoozed',
  'snooze_ended',
  'reassigned',
  'note',
  'target_down',
  'target_recovered',
  'resolved',
  'reopened',
  'closed',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * How a notification's delivery is retried: exponential backoff from `initialMs`, capped at `maximumMs`, each delay
 * jittered (between half and all of it) so that many deliveries failing together do not retry together, and at most
 * `attempts` attempts; then the delivery is recorded as failed. Each delivery retries on its own: a channel that keeps
 * failing delays no other.
 */
export const NOTIFICATION_RETRY = { attempts: 8, initialMs: 2_000, maximumMs: 120_000 } as const;

/** The delay before attempt `attempt + 1`, jittered by `random` in [0, 1). */
export function retryDelayMs(attempt: number, random: number, retry: { initialMs: number; maximumMs: number } = NOTIFICATION_RETRY): number {
  const ceiling = Math.min(retry.maximumMs, retry.initialMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random * ceiling) / 2);
}
