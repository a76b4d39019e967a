import type { TargetState } from './judge';

/** What a target shows: its health, unless an operator paused it or a maintenance window is open. */
export type ShownState = TargetState | 'paused' | 'maintenance';

export const shownState = (health: TargetState, { paused, inMaintenance }: { paused: boolean; inMaintenance: boolean }): ShownState =>
  paused ? 'paused' : inMaintenance ? 'maintenance' : health;

/** A change of the state a target shows: the row appended to `flips`. */
export interface StateChange {
  from: ShownState;
  to: ShownState;
  /** The slot of the result that caused it, or the moment of the operator's action or the maintenance boundary. */
  at: number;
  reason: string;
}
