import { z } from 'zod';
import { escalationPolicyId } from './escalation';
import { DEFAULT_FLAPPING } from './flapping';
import { DEFAULT_REOPEN_WINDOW_SECONDS } from './incident';
import { DEFAULT_THRESHOLDS } from './judge';
import { DAYS } from './maintenance';
import { ProbeSchema } from './probe';
import { resourceKeyField } from './resource-key';
import { trimmedText } from './text';

/*
 * A target's configuration, validated: every zod schema of it lives here, with the types inferred from them, and the
 * rules that interpret it (flapping.ts, maintenance.ts, judge.ts, incident.ts) import those types only, so they are
 * free of zod. Workflow code imports those rules, and a
 * workflow's modules are evaluated afresh for every workflow a worker caches or replays: zod stays out of that.
 */

export const FlappingPolicySchema = z.strictObject({
  changes: z.int().min(2).max(100),
  windowSeconds: z.int().min(60).max(86_400),
});
export type FlappingPolicy = z.infer<typeof FlappingPolicySchema>;

const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

export const OneOffWindowSchema = z
  .strictObject({ start: z.iso.datetime({ offset: true }), end: z.iso.datetime({ offset: true }).meta({ 'x-vigil-rule': 'after start' }) })
  .refine((w) => Date.parse(w.start) < Date.parse(w.end), { message: 'end must be after start', path: ['end'] });

export const RecurringWindowSchema = z.strictObject({
  days: z.array(z.enum(DAYS)).min(1).max(7),
  /** Local start time, HH:MM (24 h). */
  at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time looks like 02:30'),
  durationMinutes: z
    .int()
    .min(1)
    .max(7 * 24 * 60),
  timeZone: z
    .string()
    .refine(isTimeZone, 'not an IANA time zone, e.g. Europe/Paris')
    .meta({ 'x-vigil-rule': 'an IANA time zone, e.g. Europe/Paris' })
    .default('UTC'),
});

export const MaintenanceWindowSchema = z.union([OneOffWindowSchema, RecurringWindowSchema]);
export type MaintenanceWindow = z.infer<typeof MaintenanceWindowSchema>;
export type RecurringWindow = z.infer<typeof RecurringWindowSchema>;

/** A target's incident settings: spread into the target's configuration (below) and its API body. */
export const incidentSettingFields = {
  /** The policy that pages people when this target goes down; without one, incidents open and notify nobody. */
  escalationPolicyId: escalationPolicyId.nullable().default(null),
  /** Recovery resolves the incident by itself; when false it stays open until a human resolves it. */
  autoResolve: z.boolean().default(true),
  /** Going down again this soon after a resolution reopens the same incident instead of opening (and paging) anew. */
  reopenWindowSeconds: z.int().min(0).max(86_400).default(DEFAULT_REOPEN_WINDOW_SECONDS),
};

/** A label operators group and filter targets by: a short slug such as `eu-west` or `payments`. */
export const TagSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, 'a tag is 1 to 40 lowercase letters, digits and inner hyphens, e.g. "eu-west"');

export const TagsSchema = z
  .array(TagSchema)
  .max(20)
  .refine((tags) => new Set(tags).size === tags.length, 'tags must be unique')
  .meta({ uniqueItems: true });

/** A target's whole configuration as the target workflow holds it (workflow code imports its type only). */
export const TargetSpecSchema = z.strictObject({
  name: trimmedText(1, 200),
  /** Absent on targets made before keys existed, and on those made without one. */
  key: resourceKeyField,
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
