import { z } from 'zod';
import { CHANNEL_SECRET_FIELDS, ChannelInputSchema, EscalationLevelSchema, EscalationPolicyInputSchema } from '../../domain/escalation';
import { ResourceKeySchema } from '../../domain/resource-key';
import { CreateStatusPageBody, DisplayName, MAX_TARGETS_PER_PAGE } from '../status-pages/schema';
import { targetBodyVariants, targetFieldSchemas } from '../targets/schema';

/**
 * The configuration file `vigil plan` / `vigil apply` read and `vigil export` writes (YAML, or the same as JSON): each
 * entry is the body its API route takes, built from the same zod schemas, with a stable `key` of the file's choosing
 * instead of the id the server makes, and references between entries by those keys instead of ids. Secrets (a
 * heartbeat's ping token, a webhook's signing secret, a Slack webhook URL) may be left out of an entry whose resource
 * exists: the server keeps its own; export always leaves them out.
 */

/** The fields of each kind that export never writes back and a file may leave out once the resource exists. */
export const SECRET_FIELDS = {
  targets: { heartbeat: ['token'] },
  channels: CHANNEL_SECRET_FIELDS,
} as const satisfies Record<string, Record<string, readonly string[]>>;

/** Secret fields of an entry of this kind (none for most). */
export const secretFieldsOf = (of: keyof typeof SECRET_FIELDS, kind: string): readonly string[] =>
  (SECRET_FIELDS[of] as Record<string, readonly string[] | undefined>)[kind] ?? [];

const reference = (what: string) => ResourceKeySchema.meta({ description: `The key of ${what}, in this file or on the server` });

/** A target: POST /v1/targets's body, with `key` required and `escalationPolicy` naming a policy by key. */
const { escalationPolicyId: _byId, ...targetFields } = targetFieldSchemas(1);
const targetEntries = targetBodyVariants({
  ...targetFields,
  key: ResourceKeySchema,
  escalationPolicy: reference('an escalation policy').nullable().default(null),
});
export const TargetEntrySchema = z
  .discriminatedUnion('kind', targetEntries as unknown as [(typeof targetEntries)[number], ...(typeof targetEntries)[number][]])
  .meta({ description: 'A target, as POST /v1/targets takes it, with `key` and `escalationPolicy` (a policy key) instead of `escalationPolicyId`' });
export type TargetEntry = z.infer<typeof TargetEntrySchema>;

/** A channel: POST /v1/channels's body with `key` required; its secret may be left out once the channel exists. */
const channelEntries = ChannelInputSchema.options.map((variant): z.ZodObject => {
  const keyed: z.ZodObject = variant.extend({ key: ResourceKeySchema });
  const secrets = secretFieldsOf('channels', variant.shape.kind.value);
  return keyed.extend(Object.fromEntries(secrets.map((field) => [field, (keyed.shape[field] as z.ZodType).optional()])));
});
export const ChannelEntrySchema = z
  .discriminatedUnion('kind', channelEntries as unknown as [(typeof channelEntries)[number], ...(typeof channelEntries)[number][]])
  .meta({ description: 'A notification channel, as POST /v1/channels takes it, with `key`' });
/** Its kind's fields are read generically (field by field), so the type says only what every kind has. */
export type ChannelEntry = { key: string; name: string; kind: string } & Record<string, unknown>;

/** An escalation policy: its API body with `key` required, and each level naming its channels by key. */
export const PolicyEntrySchema = EscalationPolicyInputSchema.extend({
  key: ResourceKeySchema,
  levels: z
    .array(
      EscalationLevelSchema.omit({ channelIds: true }).extend({
        channels: z
          .array(reference('a channel'))
          .min(1)
          .max(20)
          .refine((keys) => new Set(keys).size === keys.length, 'a channel appears twice in this level')
          .meta({ uniqueItems: true }),
      }),
    )
    .min(1)
    .max(10),
}).meta({ description: 'An escalation policy, as POST /v1/escalation-policies takes it, with `key` and channels named by key' });
export type PolicyEntry = z.infer<typeof PolicyEntrySchema>;

/** A status page, keyed by its slug: its API body with its targets named by key. */
export const StatusPageEntrySchema = CreateStatusPageBody.extend({
  targets: z
    .array(z.strictObject({ target: reference('a target'), displayName: DisplayName.optional() }))
    .max(MAX_TARGETS_PER_PAGE)
    .default([])
    .meta({ description: 'The targets shown, in this order, each named by key' }),
}).meta({ description: 'A status page, as POST /v1/status-pages takes it; its slug is its key' });
export type StatusPageEntry = z.infer<typeof StatusPageEntrySchema>;

export const ConfigFileSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: 'Where editors find this schema, e.g. docs/vigil-config.schema.json' }),
    targets: z.array(TargetEntrySchema).default([]),
    channels: z.array(ChannelEntrySchema).default([]),
    escalationPolicies: z.array(PolicyEntrySchema).default([]),
    statusPages: z.array(StatusPageEntrySchema).default([]),
  })
  .meta({
    title: 'Vigil configuration',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the file's own ${NAME} syntax, not a template
    description: 'What `vigil plan` and `vigil apply` read and `vigil export` writes. `${NAME}` in a value is the environment variable NAME.',
  });
export type ConfigFile = Omit<z.infer<typeof ConfigFileSchema>, 'channels'> & { channels: ChannelEntry[] };

/** The file's JSON Schema (draft 2020-12), as editors read it: what the file may hold, not what parsing fills in. */
export const configFileJsonSchema = () => z.toJSONSchema(ConfigFileSchema, { io: 'input', unrepresentable: 'any' });
