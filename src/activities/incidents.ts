import { log } from '@temporalio/activity';
import { ServiceError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { Pool } from 'pg';
import {
  INCIDENT_SEARCH_ATTRIBUTES,
  INCIDENT_WORKFLOW,
  targetClearedSignal,
  targetDownSignal,
  type IncidentEvent,
  type IncidentRow,
  type IncidentWorkflow,
  type IncidentWorkflowInput,
  type TargetDownReport,
} from '../contracts/incident';
import { readPolicySnapshot } from '../db/escalation';
import { lastClosedSequence, recordIncidentChange } from '../db/incidents';
import type { ShownState } from '../domain/shown-state';
import { incidentId, incidentWorkflowId, TASK_QUEUE } from '../ids';

export interface ReportTargetDownInput {
  targetId: string;
  targetName: string;
  /** The sequence of the target's latest incident, as its workflow carries it (0: none yet). */
  sequence: number;
  /** The flip's time and reason. */
  at: number;
  reason: string;
  flapping: boolean;
  escalationPolicyId: string | null;
  autoResolve: boolean;
  reopenWindowSeconds: number;
}

export interface ReportTargetClearedInput {
  targetId: string;
  sequence: number;
  /** What the target shows now, or `deleted`. */
  to: ShownState | 'deleted';
  at: number;
  reason: string;
}

/** How many closed incidents an open may step over before giving up: far more than any history holds. */
const MAX_SEQUENCE_STEPS = 1_000;

export function createIncidentActivities({ pool, temporal }: { pool: Pool; temporal: Client }) {
  /** Signals the incident if its workflow still runs; a closed or unknown incident is nothing to tell. */
  const signalIfRunning = async (id: string, send: (h: ReturnType<Client['workflow']['getHandle']>) => Promise<void>) => {
    try {
      await send(temporal.workflow.getHandle(incidentWorkflowId(id)));
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  };

  /**
   * Starts the incident's workflow and signals it, atomically (signal-with-start), and if the namespace lacks Vigil's
   * search attributes, starts it without them rather than not at all: paging matters more than finding it in the UI.
   */
  const signalWithStart = async (input: IncidentWorkflowInput, report: ReportTargetDownInput, indexed: boolean) =>
    temporal.workflow.signalWithStart<IncidentWorkflow, [TargetDownReport]>(INCIDENT_WORKFLOW, {
      workflowId: incidentWorkflowId(input.incidentId),
      taskQueue: TASK_QUEUE,
      args: [input],
      signal: targetDownSignal,
      signalArgs: [{ at: report.at, reason: report.reason, flapping: report.flapping }],
      // A closed incident's id is never reused: the next outage is the next sequence.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: { targetId: input.targetId, targetName: input.targetName, reason: input.reason, policy: input.policy?.name ?? null },
      ...(indexed
        ? {
            typedSearchAttributes: [
              { key: INCIDENT_SEARCH_ATTRIBUTES.targetId, value: input.targetId },
              { key: INCIDENT_SEARCH_ATTRIBUTES.incidentId, value: input.incidentId },
              { key: INCIDENT_SEARCH_ATTRIBUTES.state, value: 'triggered' },
            ] satisfies SearchAttributePair[],
          }
        : {}),
    });

  return {
    /**
     * The target went down: tells its current incident (which reopens, if resolved within its reopen window), or opens
     * the next one, capturing the escalation policy as it stands. Returns the sequence of the incident that now
     * stands for the outage. A retry finds the incident the first attempt opened: ids derive from (target, sequence),
     * and signal-with-start on a running workflow only signals it. A flapping target opens none: only an incident
     * still running hears of it.
     */
    async reportTargetDown(report: ReportTargetDownInput): Promise<{ sequence: number }> {
      const { targetId } = report;
      const signal = { at: report.at, reason: report.reason, flapping: report.flapping };
      if (report.flapping) {
        if (report.sequence > 0) await signalIfRunning(incidentId(targetId, report.sequence), (h) => h.signal(targetDownSignal, signal));
        return { sequence: report.sequence };
      }
      // Temporal refuses a closed id only while it keeps its history; Postgres remembers closed incidents for good.
      let sequence = Math.max(report.sequence, (await lastClosedSequence(pool, targetId)) + 1, 1);
      const policy = report.escalationPolicyId ? await readPolicySnapshot(pool, report.escalationPolicyId) : undefined;
      let indexed = true;
      for (let step = 0; step < MAX_SEQUENCE_STEPS; step++) {
        const id = incidentId(targetId, sequence);
        const input: IncidentWorkflowInput = {
          incidentId: id,
          targetId,
          targetName: report.targetName,
          sequence,
          openedAt: report.at,
          reason: report.reason,
          settings: { autoResolve: report.autoResolve, reopenWindowSeconds: report.reopenWindowSeconds },
          policy: policy ?? null,
          ...(report.escalationPolicyId && !policy ? { policyNote: `escalation policy ${report.escalationPolicyId} does not exist` } : {}),
        };
        try {
          await signalWithStart(input, report, indexed);
          return { sequence };
        } catch (err) {
          if (err instanceof WorkflowExecutionAlreadyStartedError) {
            sequence++;
            continue;
          }
          if (indexed && isMissingSearchAttribute(err)) {
            log.warn('the namespace lacks Vigil search attributes: incidents start without them (see deploy/temporal-setup.sh)', { error: String(err) });
            indexed = false;
            step--;
            continue;
          }
          throw err;
        }
      }
      throw new Error(`target ${targetId} has more than ${MAX_SEQUENCE_STEPS} closed incidents after sequence ${report.sequence}`);
    },

    /** The target no longer shows down (recovered, paused, in maintenance) or was deleted: tells its incident, if running. */
    async reportTargetCleared(report: ReportTargetClearedInput): Promise<void> {
      if (report.sequence === 0) return;
      await signalIfRunning(incidentId(report.targetId, report.sequence), (h) =>
        h.signal(targetClearedSignal, { to: report.to, at: report.at, reason: report.reason }),
      );
    },

    /** Projects one change of an incident: its timeline event and its row as it stands after it. */
    async recordIncidentChange({ row, event }: { row: IncidentRow; event: IncidentEvent }): Promise<void> {
      await recordIncidentChange(pool, row, event);
    },
  };
}

function isMissingSearchAttribute(err: unknown): boolean {
  if (!(err instanceof ServiceError)) return false;
  const cause = err.cause as { code?: number; details?: string; message?: string } | undefined;
  return /search attribute/i.test(`${err.message} ${cause?.details ?? ''} ${cause?.message ?? ''}`);
}
