import { patched } from '@temporalio/workflow';
import { FIRST_PROBE_WINDOW_MS, PROBE_WINDOW_MS, TEN_MINUTE_WINDOW_MS } from '../domain/schedule';
import type { ProbeWindowing } from '../domain/target-machine';

// The target workflow's patches (`patched()`), oldest first. Each changed the commands the workflow issues; runs
// recorded before it take its old branch, kept replaying by the `*.before-<patch>.json` histories in
// test/fixtures/histories.

/** Probe windows grew from FIRST_PROBE_WINDOW_MS to TEN_MINUTE_WINDOW_MS. */
export const PROBE_WINDOW_PATCH = 'ten-minute-probe-windows';
/** Projection writes became local activities, inside the workflow task that decides them. */
export const LOCAL_PROJECTIONS_PATCH = 'local-projection-writes';
/** Runs continue as new after HISTORY_EVENTS_PER_RUN events instead of LEGACY_HISTORY_EVENTS_PER_RUN. */
export const SHORT_RUNS_PATCH = 'short-runs';
/** A new target is probed at once, inside its first workflow task. */
export const FIRST_PROBE_PATCH = 'first-probe-at-once';
/** Probe windows grew from TEN_MINUTE_WINDOW_MS to PROBE_WINDOW_MS. */
export const TWENTY_MINUTE_WINDOWS_PATCH = 'twenty-minute-probe-windows';
/** Probe windows end on the target's window boundaries (`windowEnd`). */
export const WINDOWS_ON_BOUNDARIES_PATCH = 'windows-on-boundaries';
/** A new target's grid starts at least half an interval after its first probe (`nextAfterFirstProbe`). */
export const GRID_AFTER_FIRST_PROBE_PATCH = 'grid-half-an-interval-after-first-probe';
/**
 * A run asks for every patch it follows when it starts, before its first local activity. A patch asked after a local
 * activity was unsafe: a query or update that comes while a local activity runs makes the SDK complete the workflow
 * task with the activity's result and go on in a second task, so the patch's marker lands in that second task; replay
 * resolves the activity inside the first task and asks the patch there, where its marker is not yet known, and fails
 * with a non-determinism error (test/workflows/target-start.test.ts).
 */
export const PATCHES_FIRST_PATCH = 'patches-before-local-activities';

/** The patches one run follows: the branches it takes. */
export interface TargetRunPatches {
  readonly localProjections: boolean;
  readonly windowing: ProbeWindowing;
  readonly shortRuns: boolean;
  /** Asked by a target's first run only: carried runs never probe at once. */
  readonly firstProbeAtOnce: boolean;
  readonly gridAfterFirstProbe: boolean;
}

/**
 * The run's patches: asked now, when the run starts (or, replaying a run recorded before PATCHES_FIRST_PATCH, asked
 * each time one is used, as that run asked them).
 */
export function targetRunPatches(firstRun: boolean): TargetRunPatches {
  const whereUsed: TargetRunPatches = {
    get localProjections() {
      return patched(LOCAL_PROJECTIONS_PATCH);
    },
    get windowing() {
      const ms = patched(TWENTY_MINUTE_WINDOWS_PATCH) ? PROBE_WINDOW_MS : patched(PROBE_WINDOW_PATCH) ? TEN_MINUTE_WINDOW_MS : FIRST_PROBE_WINDOW_MS;
      return { ms, onBoundaries: patched(WINDOWS_ON_BOUNDARIES_PATCH) };
    },
    get shortRuns() {
      return patched(SHORT_RUNS_PATCH);
    },
    get firstProbeAtOnce() {
      return patched(FIRST_PROBE_PATCH);
    },
    get gridAfterFirstProbe() {
      return patched(GRID_AFTER_FIRST_PROBE_PATCH);
    },
  };
  if (!patched(PATCHES_FIRST_PATCH)) return whereUsed;
  return {
    localProjections: whereUsed.localProjections,
    windowing: whereUsed.windowing,
    shortRuns: whereUsed.shortRuns,
    firstProbeAtOnce: firstRun && whereUsed.firstProbeAtOnce,
    gridAfterFirstProbe: firstRun && whereUsed.gridAfterFirstProbe,
  };
}
