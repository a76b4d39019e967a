import { z } from 'zod';
import { DEFAULT_FLAPPING, FlappingPolicySchema } from './flapping';
import { incidentSettingFields } from './incident';
import { DEFAULT_THRESHOLDS, type TargetState } from './judge';
import { MaintenanceWindowSchema } from './maintenance';
import { ProbeSchema } from './probe';
import { trimmedText } from './text';

/** A label operators group and filter targets by: a short slug such as `eu-west` or `payments`. */
export const TagSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, 'a tag is 1 to 40 lowercase letters, digits and inner hyphens, e.g. "eu-west"');

export const TagsSchema = z
  .array(TagSchema)
  .max(20)
  .refine((tags) => new Set(tags).size === tags.length, 'tags must be unique')
  .meta({ uniqueItems: true });

/** A target's whole configuration as the target workflow holds it. Pure: imported by workflow code. */
export const TargetSpecSchema = z.strictObject({
  name: trimmedText(1, 200),
  intervalSeconds: z.int().min(1).max(86_400),
  probe: ProbeSchema,
  thresholds: z
    .strictObject({
      downAfter: z.int().min(1).max(20),
      upAfter: z.int().min(1).max(20),
    })
    .default(DEFAULT_THRESHOLDS),
  maintenance: z.array(MaintenanceWindowSchema).max(20).default([]),
  flapping: FlappingPolicySchema.default(DEFAULT_FLAPPING),
  tags: TagsSchema.default([]),
  ...incidentSettingFields,
});
export type TargetSpec = z.infer<typeof TargetSpecSchema>;

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
