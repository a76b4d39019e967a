import type { Judgement, Thresholds } from '../domain/judge';
import type { ActiveProbe, Outcome } from '../domain/probe';

/**
 * What crosses between the target workflow and the probe activity (src/activities/checks.ts): the slots to probe, and
 * what they gave.
 */

export interface RunChecksInput {
  targetId: string;
  /** The configuration version this window runs under; results are fenced off once a newer one is saved. */
  version: number;
  probe: ActiveProbe;
  intervalMs: number;
  /** Epoch ms of each slot to probe, ascending. */
  slots: number[];
  /** The workflow's timer already waited for the first slot: probe it at once, whatever this worker's clock says. */
  firstSlotIsDue: boolean;
  /** An operator's "check now": a slot off the grid. */
  manual: boolean;
  /** The slots fall in a maintenance window (a window never spans a maintenance boundary). */
  maintenance: boolean;
  /** The workflow's judgement before the first slot, so this activity knows when the state would change. */
  judgement: Judgement;
  thresholds: Thresholds;
}

export interface CheckedSlot {
  scheduledAt: number;
  outcome: Outcome | 'missed';
  latencyMs?: number;
  error?: string;
}

export interface RunChecksResult {
  /** In slot order. Ends early, after the first result that changes the target's state. */
  checked: CheckedSlot[];
  /**
   * The target changed (or was paused or deleted) since this window started, or a newer window of it superseded this
   * one: it stopped without writing.
   */
  fenced: boolean;
}
