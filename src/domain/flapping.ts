import type { FlappingPolicy } from './target';

/**
 * Flapping: a target that keeps changing state is marked flapping, so that each change does not open or close an
 * incident. It starts when `changes` state changes fall within `windowSeconds`, and ends once a whole window passes
 * without one. Pure and free of zod: used by workflow code (src/domain/target.ts validates the policy).
 */
export const DEFAULT_FLAPPING: FlappingPolicy = { changes: 5, windowSeconds: 1800 };

export interface FlapState {
  /** Times of recent state changes, within the window. */
  changes: number[];
  flapping: boolean;
}

export const initialFlapState = (): FlapState => ({ changes: [], flapping: false });

/** Notes a state change at `at`. */
export function noteChange(s: FlapState, at: number, policy: FlappingPolicy): FlapState {
  const changes = [...s.changes.filter((c) => c > at - policy.windowSeconds * 1000), at];
  return { changes, flapping: s.flapping || changes.length >= policy.changes };
}

/** When flapping ends if nothing changes before: a whole window after the last change. Undefined when not flapping. */
export function settlesAt(s: FlapState, policy: FlappingPolicy): number | undefined {
  const last = s.changes.at(-1);
  return s.flapping && last !== undefined ? last + policy.windowSeconds * 1000 : undefined;
}

/** Ends flapping once a whole window passed since the last change. */
export function settle(s: FlapState, now: number, policy: FlappingPolicy): FlapState {
  const at = settlesAt(s, policy);
  if (!s.flapping || (at !== undefined && now < at)) return s;
  return { changes: s.changes.filter((c) => c > now - policy.windowSeconds * 1000), flapping: false };
}
