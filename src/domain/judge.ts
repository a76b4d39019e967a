import type { Outcome } from './probe';

/**
 * Deciding a target's state from its probe outcomes, the way a careful operator would: one failure is a blip,
 * `downAfter` in a row is an outage; `upAfter` successes in a row end it. Pure and deterministic: the target
 * workflow is the authority that applies it, and the probe activity applies the same function only to know when
 * to hand control back early.
 */
export type TargetState = 'unknown' | 'up' | 'degraded' | 'down';

export interface Thresholds {
  /** Consecutive failures before an up (or unknown) target is declared down. */
  downAfter: number;
  /** Consecutive successes before a down target is declared up again. */
  upAfter: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { downAfter: 2, upAfter: 2 };

export interface Judgement {
  state: TargetState;
  /** Epoch ms of the slot whose result caused the current state. */
  since: number;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
}

export interface Flip {
  from: TargetState;
  to: TargetState;
  at: number;
  reason: string;
}

export const initialJudgement = (at: number): Judgement => ({
  state: 'unknown',
  since: at,
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
});

export function judge(current: Judgement, outcome: Outcome, at: number, thresholds: Thresholds): { next: Judgement; flip?: Flip } {
  const failed = outcome === 'down';
  const consecutiveFailures = failed ? current.consecutiveFailures + 1 : 0;
  const consecutiveSuccesses = failed ? 0 : current.consecutiveSuccesses + 1;
  const to = nextState(current.state, outcome, consecutiveFailures, consecutiveSuccesses, thresholds);
  const counted = { consecutiveFailures, consecutiveSuccesses };
  if (to === current.state) return { next: { ...current, ...counted } };
  return {
    next: { state: to, since: at, ...counted },
    flip: { from: current.state, to, at, reason: flipReason(to, consecutiveFailures, consecutiveSuccesses) },
  };
}

function nextState(state: TargetState, outcome: Outcome, failures: number, successes: number, { downAfter, upAfter }: Thresholds): TargetState {
  if (outcome === 'down') return failures >= downAfter ? 'down' : state;
  // Before the first verdict there is no outage to confirm the end of: the first success says up.
  if (state === 'down' && successes < upAfter) return 'down';
  return outcome;
}

function flipReason(to: TargetState, failures: number, successes: number): string {
  switch (to) {
    case 'down':
      return `${failures} consecutive failed probe${failures === 1 ? '' : 's'}`;
    case 'degraded':
      return 'probe succeeded above its latency threshold';
    default:
      return `${successes} consecutive successful probe${successes === 1 ? '' : 's'}`;
  }
}
