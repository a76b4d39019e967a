import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { z } from 'zod';
import { DEFAULT_FLAPPING, FlappingPolicySchema } from '../../domain/flapping';
import { incidentSettingFields } from '../../domain/incident';
import { DEFAULT_THRESHOLDS } from '../../domain/judge';
import { MaintenanceWindowSchema } from '../../domain/maintenance';
import { ProbeSchema, type Probe } from '../../domain/probe';
import { TagsSchema, type TargetSpec } from '../../domain/target';
import { Problem } from '../problems';

/**
 * The target as operators write it: one flat JSON object, the probe's fields beside the target's own, `kind` naming
 * the probe (http when left out). Unknown fields are refused, so a typo never silently drops a setting.
 */
export function createTargetBody(minIntervalSeconds: number) {
  const common = {
    name: z.string().trim().min(1).max(200),
    intervalSeconds: z.int().min(minIntervalSeconds).max(86_400),
    downAfter: z.int().min(1).max(20).default(DEFAULT_THRESHOLDS.downAfter),
    upAfter: z.int().min(1).max(20).default(DEFAULT_THRESHOLDS.upAfter),
    maintenance: z.array(MaintenanceWindowSchema).max(20).default([]),
    flapping: FlappingPolicySchema.default(DEFAULT_FLAPPING),
    tags: TagsSchema.default([]),
    ...incidentSettingFields,
  };
  const variants = ProbeSchema.options.map((probe) => probe.extend(common));
  const body = z.discriminatedUnion('kind', variants as unknown as [(typeof variants)[number], ...(typeof variants)[number][]]);
  return z
    .preprocess((raw) => (isObject(raw) && !('kind' in raw) ? { ...raw, kind: 'http' } : raw), body)
    .transform(({ name, intervalSeconds, downAfter, upAfter, maintenance, flapping, tags, escalationPolicyId, autoResolve, reopenWindowSeconds, ...probe }): TargetSpec => ({
      name,
      intervalSeconds,
      thresholds: { downAfter, upAfter },
      maintenance,
      flapping,
      tags,
      escalationPolicyId,
      autoResolve,
      reopenWindowSeconds,
      probe: withPingToken(probe as Probe),
    }));
}

/** A heartbeat target's ping URL carries a random token (256 bits) unless the operator chose one. */
const withPingToken = (probe: Probe): Probe =>
  probe.kind === 'heartbeat' && !probe.token ? { ...probe, token: randomBytes(32).toString('base64url') } : probe;

/**
 * Refuses a configuration that names an escalation policy that does not exist: its incidents would page nobody.
 * (Deleting a policy that targets use is refused on the other side.)
 */
export async function assertPolicyExists(pool: Pool, spec: TargetSpec): Promise<void> {
  if (!spec.escalationPolicyId) return;
  const { rowCount } = await pool.query('SELECT 1 FROM escalation_policies WHERE id = $1', [spec.escalationPolicyId]);
  if (!rowCount) {
    throw new Problem('unprocessable', 'the escalation policy does not exist', {
      errors: [{ field: 'escalationPolicyId', message: `no escalation policy ${spec.escalationPolicyId}` }],
    });
  }
}

/** The flat fields of a target's configuration: the inverse of the create body, for representations and merges. */
export function targetFields(spec: TargetSpec) {
  const { probe, thresholds, ...rest } = spec;
  // Targets saved before tags existed have none.
  return { ...rest, tags: rest.tags ?? [], ...thresholds, ...probe };
}

/** PATCH merges its fields over the current ones; changing `kind` replaces the probe's fields instead. */
export function mergeTargetFields(current: TargetSpec, patch: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = targetFields(current);
  if ('kind' in patch && patch.kind !== current.probe.kind) {
    for (const key of Object.keys(current.probe)) delete fields[key];
  }
  return { ...fields, ...patch };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
