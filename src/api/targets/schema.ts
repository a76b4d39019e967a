import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_FLAPPING } from '../../domain/flapping';
import { DEFAULT_THRESHOLDS } from '../../domain/judge';
import { HttpProbeSchema, ProbeSchema, type Probe } from '../../domain/probe';
import { FlappingPolicySchema, incidentSettingFields, MaintenanceWindowSchema, TagsSchema, type TargetSpec } from '../../domain/target';
import { resourceKeyField } from '../../domain/resource-key';
import { trimmedText } from '../../domain/text';

/** The target's own fields, beside its probe's. */
export const targetFieldSchemas = (minIntervalSeconds: number) => ({
  name: trimmedText(1, 200),
  key: resourceKeyField,
  intervalSeconds: z.int().min(minIntervalSeconds).max(86_400),
  downAfter: z.int().min(1).max(20).default(DEFAULT_THRESHOLDS.downAfter),
  upAfter: z.int().min(1).max(20).default(DEFAULT_THRESHOLDS.upAfter),
  maintenance: z.array(MaintenanceWindowSchema).max(20).default([]),
  flapping: FlappingPolicySchema.default(DEFAULT_FLAPPING),
  tags: TagsSchema.default([]),
  ...incidentSettingFields,
});

/** Each kind's probe, `kind` of http made optional: what the server assumes, so the document shows it as the default. */
const probeVariants = ProbeSchema.options.map((probe) =>
  probe === HttpProbeSchema ? HttpProbeSchema.extend({ kind: z.literal('http').default('http') }) : probe,
);

/** Each kind's probe fields beside `fields`: the create body before it is turned into a configuration, and the configuration file's targets. */
export const targetBodyVariants = <F extends z.ZodRawShape>(fields: F) => probeVariants.map((probe) => probe.extend(fields));

/**
 * The target as operators write it: one flat JSON object. Unknown fields are refused, so a typo never silently drops
 * a setting.
 */
export function createTargetBody(minIntervalSeconds: number) {
  const variants = targetBodyVariants(targetFieldSchemas(minIntervalSeconds));
  return z.discriminatedUnion('kind', variants as unknown as [(typeof variants)[number], ...(typeof variants)[number][]]).transform(
    ({
      name,
      key,
      intervalSeconds,
      downAfter,
      upAfter,
      maintenance,
      flapping,
      tags,
      escalationPolicyId,
      autoResolve,
      reopenWindowSeconds,
      ...probe
    }): TargetSpec => ({
      name,
      key: key ?? null,
      intervalSeconds,
      thresholds: { downAfter, upAfter },
      maintenance,
      flapping,
      tags,
      escalationPolicyId,
      autoResolve,
      reopenWindowSeconds,
      probe: withPingToken(probe as Probe),
    }),
  );
}

/** Targets one bulk create takes: an import of thousands is a few dozen requests, each answered within seconds. */
export const MAX_TARGETS_PER_BULK_CREATE = 100;

/**
 * What POST /v1/targets/bulk takes: the create body of each target, in `targets`. Two heartbeat targets of a batch
 * with the same token would have one refused by Postgres after both were started: refused here instead, naming the
 * second (checked once every item is valid, since the tokens are read from what the items parse to).
 */
export function bulkCreateTargetsBody(minIntervalSeconds: number) {
  const targets = z
    .array(createTargetBody(minIntervalSeconds))
    .min(1)
    .max(MAX_TARGETS_PER_BULK_CREATE)
    .superRefine(
      (specs, ctx) => {
        const seen = new Set<string>();
        for (const [i, { probe }] of specs.entries()) {
          if (probe.kind !== 'heartbeat' || !probe.token) continue;
          if (seen.has(probe.token)) ctx.addIssue({ code: 'custom', path: [i, 'token'], message: 'the same token as an earlier target of the batch' });
          seen.add(probe.token);
        }
      },
      { when: ({ issues }) => issues.length === 0 },
    )
    .meta({
      description: `1 to ${MAX_TARGETS_PER_BULK_CREATE} targets, each as POST /v1/targets takes it`,
      'x-vigil-rule': 'no two heartbeat targets with the same `token`',
    });
  return z.strictObject({ targets });
}

/** A heartbeat target's ping URL carries a random token (256 bits) unless the operator chose one. */
const withPingToken = (probe: Probe): Probe =>
  probe.kind === 'heartbeat' && !probe.token ? { ...probe, token: randomBytes(32).toString('base64url') } : probe;

/** The flat fields of a target's configuration: the inverse of the create body, for representations and merges. */
export function targetFields(spec: TargetSpec) {
  const { probe, thresholds, ...rest } = spec;
  // Targets saved before tags (or keys) existed have none.
  return { ...rest, key: rest.key ?? null, tags: rest.tags ?? [], ...thresholds, ...probe };
}

/**
 * PATCH merges its fields over the current ones, as a JSON merge patch (RFC 7396) does at the top level: a field set to
 * null is removed, so its default applies (`vigil apply` removes a field a file no longer sets this way). Changing
 * `kind` replaces the probe's fields instead.
 */
export function mergeTargetFields(current: TargetSpec, patch: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = targetFields(current);
  if ('kind' in patch && patch.kind !== current.probe.kind) {
    for (const key of Object.keys(current.probe)) delete fields[key];
  }
  const merged = { ...fields, ...patch };
  for (const [key, value] of Object.entries(merged)) if (value === null) delete merged[key];
  return merged;
}

/**
 * What PATCH takes: some fields of one kind, none of them defaulted (a field left out keeps its value). Validated alone
 * so that an unknown field is named; whether the merge makes a whole target is checked after it. Probe fields of
 * another kind than the target's need `kind`, and then that kind's required fields too, since a new kind replaces the
 * probe's fields: the document says so with `dependentRequired`.
 */
export function targetPatchBody(minIntervalSeconds: number) {
  const common = targetFieldSchemas(minIntervalSeconds);
  const variants = probeVariants.map((probe) => {
    // Null removes a field the target can be without (it has a default, or is optional); a required one stays required.
    const removable = (key: string, field: z.ZodType) => key !== 'kind' && field.safeParse(undefined).success;
    const fields = Object.entries({ ...probe.shape, ...common }).map(
      ([key, field]) => [key, removable(key, field) ? withoutDefault(field).nullable().optional() : withoutDefault(field).optional()] as const,
    );
    const required = Object.entries(probe.shape)
      .filter(([key, field]) => key !== 'kind' && !field.safeParse(undefined).success)
      .map(([key]) => key);
    return z.strictObject(Object.fromEntries(fields)).meta({ dependentRequired: { kind: required } });
  });
  return z.union(variants as unknown as [(typeof variants)[number], ...(typeof variants)[number][]]).meta({
    description:
      "Fields of the create body, merged over the target's: null removes a field that has a default or is optional (the default applies); probe fields of another kind than the target's need `kind`",
  });
}

const withoutDefault = (field: z.ZodType): z.ZodType => (field instanceof z.ZodDefault ? (field.removeDefault() as z.ZodType) : field);
