import { z } from 'zod';
import { withProbeHeaders } from '../../codec/secrets';
import type { TargetRow } from '../../db/target-reads';
import { TagsSchema, type TargetSpec } from '../../domain/target';
import { targetFields } from './schema';

/** What a probe header's value is shown as: the values often carry tokens, so they are written, never read back. */
export const HIDDEN_HEADER_VALUE = '(secret)';

const hiddenHeaders = (headers: Record<string, string>) => Object.fromEntries(Object.keys(headers).map((name) => [name, HIDDEN_HEADER_VALUE]));

/**
 * A target as the API shows it: its configuration in the shape it was written, but for its probe headers' values
 * (sealed in Postgres, never shown), and its current status.
 */
export function targetRepresentation(target: TargetRow) {
  const { status } = target;
  return {
    id: target.id,
    ...targetFields(withProbeHeaders(target.spec as TargetSpec, hiddenHeaders)),
    version: target.configVersion,
    paused: target.paused,
    status: {
      state: status?.state ?? 'unknown',
      since: status?.stateSince ?? target.createdAt,
      flapping: status?.flapping ?? false,
      lastCheckedAt: status?.lastCheckedAt ?? null,
      lastOutcome: status?.lastOutcome ?? null,
      lastLatencyMs: status?.lastLatencyMs ?? null,
      lastError: status?.lastError ?? null,
      consecutiveFailures: status?.consecutiveFailures ?? 0,
    },
    createdAt: target.createdAt,
    updatedAt: target.updatedAt,
  };
}

/** The states a target shows (`status.state`, and the list's `state` filter). */
export const SHOWN_STATES = ['unknown', 'up', 'degraded', 'down', 'paused', 'maintenance'] as const;

const timestamp = z.iso.datetime({ offset: true });

/** The representation, for the OpenAPI document: the target's own fields, then its configuration as written. */
export const TargetSchema = z
  .looseObject({
    id: z.string().meta({ description: 'tgt_ and a ULID: sortable by creation time' }),
    name: z.string(),
    kind: z.string(),
    intervalSeconds: z.int(),
    tags: TagsSchema,
    version: z.int().meta({ description: 'Grows with every accepted change; the ETag, for If-Match' }),
    paused: z.boolean(),
    status: z.object({
      state: z.enum(SHOWN_STATES),
      since: timestamp,
      flapping: z.boolean(),
      lastCheckedAt: timestamp.nullable(),
      lastOutcome: z.enum(['up', 'degraded', 'down', 'missed']).nullable(),
      lastLatencyMs: z.int().nullable(),
      lastError: z.string().nullable(),
      consecutiveFailures: z.int(),
    }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({
    description:
      'A target: the fields above, and every other field of its configuration as it was written (see the create body), but for the values of its probe `headers`, shown as "(secret)": they often carry tokens, are stored encrypted, and are written, never read back.',
  });
