import { z } from 'zod';
import { policySnapshot, type StoredPolicy } from '../../db/escalation';
import { CHANNEL_KINDS, PERSON_TARGET_KINDS } from '../../domain/escalation';

const timestamp = z.iso.datetime({ offset: true });

/** A policy as the API shows it: its levels with their channels' names and kinds (never their settings). */
export function policyRepresentation(p: StoredPolicy) {
  const levels = policySnapshot(p).levels.map(({ people, ...level }) => ({ ...level, people: people ?? [] }));
  return {
    id: p.id,
    key: p.key,
    name: p.name,
    description: p.description,
    repeat: p.repeat,
    version: p.version,
    levels,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

export const EscalationPolicySchema = z
  .object({
    id: z.string().meta({ description: 'esc_ and a ULID' }),
    key: z.string().nullable().meta({ description: 'The stable name configuration files give it; null without one' }),
    name: z.string(),
    description: z.string(),
    repeat: z.int().meta({ description: 'How many more times the whole chain runs when nobody acknowledges' }),
    version: z.int().meta({ description: 'Grows with every change; an incident keeps the version it opened with' }),
    levels: z.array(
      z.object({
        timeoutSeconds: z.int(),
        channels: z.array(z.object({ id: z.string(), name: z.string(), kind: z.enum(CHANNEL_KINDS) })),
        people: z
          .array(z.object({ kind: z.enum(PERSON_TARGET_KINDS), id: z.string(), name: z.string() }))
          .meta({ description: 'Users, schedules and rotations: whoever they have on call when the level fires is paged' }),
      }),
    ),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ description: 'Who is notified, in order, and how long each level has to acknowledge.' });
