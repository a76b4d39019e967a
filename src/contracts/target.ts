import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { FlapState } from '../domain/flapping';
import type { Judgement } from '../domain/judge';
import type { ShownState } from '../domain/shown-state';
import type { TargetSpec } from '../domain/target';
import type { CheckedSlot } from './probes';

/**
 * What crosses the target workflow's boundary: its input, the updates, query and signal the API sends it. The
 * workflow (src/workflows/target.ts) implements them; the API uses them without importing the workflow.
 */

/** The target workflow's type name, as the worker registers it (src/workflows/index.ts). */
export const TARGET_WORKFLOW = 'targetWorkflow';
export type TargetWorkflow = (input: TargetWorkflowInput) => Promise<void>;

export interface TargetWorkflowInput {
  targetId: string;
  spec: TargetSpec;
  /** Version of the configuration (spec and paused); grows with every accepted change. */
  version: number;
  /** What a previous run handed over at continue-as-new; absent on the first run. */
  carried?: CarriedState;
}

export interface CarriedState {
  judgement: Judgement;
  /** The next slot to probe (epoch ms). */
  nextSlot: number;
  paused: boolean;
  shown: ShownState;
  flap: FlapState;
  /** The sequence of the target's latest incident (0: none yet); src/workflows/incident.ts decides the rest. */
  incidentSequence: number;
}

export interface TargetView {
  targetId: string;
  version: number;
  spec: TargetSpec;
  shown: ShownState;
  paused: boolean;
  flapping: boolean;
  judgement: Judgement;
  nextSlot: number;
}

export interface UpdateTargetRequest {
  spec: TargetSpec;
  /** Optimistic concurrency: refused with VersionConflict unless the target is still at this version. */
  expectedVersion?: number;
}

export const statusQuery = defineQuery<TargetView>('status');
/** Replaces the configuration; validated first, so a bad one is refused and the old one stays. */
export const updateTargetUpdate = defineUpdate<TargetView, [UpdateTargetRequest]>('updateTarget');
export const pauseUpdate = defineUpdate<TargetView>('pause');
export const resumeUpdate = defineUpdate<TargetView>('resume');
/** Probes now, off the grid; the result counts like any other and is returned. */
export const checkNowUpdate = defineUpdate<CheckedSlot>('checkNow');
export const deleteTargetUpdate = defineUpdate<void>('deleteTarget');
/**
 * A heartbeat target's ping that may change its state (the first success after an outage, or a reported failure):
 * the workflow checks at once instead of at its next deadline. Ordinary pings never signal.
 */
export const pingSignal = defineSignal('ping');
