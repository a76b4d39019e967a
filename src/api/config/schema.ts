import { z } from 'zod';
import { CHANNEL_SECRET_FIELDS, ChannelInputSchema, EscalationLevelSchema, EscalationPolicyInputSchema } from '../../domain/escalation';
import { ResourceKeySchema } from '../../domain/resource-key';
import { checkReferences, ContactMethodSchema, userFields } from '../../domain/users';
import { rotationFields } from '../rotations/schema';
import { ruleFields, scheduleFields } from '../schedules/schema';
import { CreateStatusPageBody, DisplayName, MAX_TARGETS_PER_PAGE } from '../status-pages/schema';
import { targetBodyVariants, targetFieldSchemas } from '../targets/schema';

/**
 * The configuration file `vigil plan` / `vigil apply` read and `vigil export` writes (YAML, or the same as JSON): each
 * entry is the body its API route takes, built from the same zod schemas, with a stable `key` of the file's choosing
 * instead of the id the server makes, and references between entries by those keys instead of ids. Secrets (a
 * heartbeat's ping token, a webhook's signing secret, a Slack webhook URL) may be left out of an entry whose resource
 * exists: the server keeps its own; export always leaves them out. A user's contact methods are secrets the same way
 * (a Slack or webhook URL carries its token). Schedule overrides and who takes over a rotation's shift under way
 * (`onCallNow`) are operations of the day, not configuration: the file has neither.
 */

/** The fields of each kind that export never writes back and a file may leave out once the resource exists. */
export const SECRET_FIELDS = {
  targets: { heartbeat: ['token'] },
  channels: CHANNEL_SECRET_FIELDS,
  contactMethods: { slack: ['url'], webhook: ['url'] },
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

/** A level's list of what it names, by key: each at most once. */
const levelReferences = (what: string) =>
  z
    .array(reference(what))
    .max(20)
    .refine((keys) => new Set(keys).size === keys.length, `${what} appears twice in this level`)
    .meta({ uniqueItems: true })
    .default([]);

/** An escalation policy: its API body with `key` required, and each level naming its channels and people by key. */
export const PolicyEntrySchema = EscalationPolicyInputSchema.extend({
  key: ResourceKeySchema,
  levels: z
    .array(
      EscalationLevelSchema.omit({ channelIds: true })
        .extend({
          channels: levelReferences('a channel'),
          users: levelReferences('a user').meta({ description: 'Paged through their contact methods and notification rules' }),
          schedules: levelReferences('a schedule').meta({ description: 'Whoever the schedule has on call when the level fires is paged' }),
          rotations: levelReferences('a rotation').meta({ description: 'Whoever has the turn when the level fires is paged' }),
        })
        .refine((l) => l.channels.length + l.users.length + l.schedules.length + l.rotations.length > 0, {
          message: 'a level names at least one channel, user, schedule or rotation',
          path: ['channels'],
        }),
    )
    .min(1)
    .max(10),
}).meta({ description: 'An escalation policy, as POST /v1/escalation-policies takes it, with `key`, and channels and people named by key' });
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

/**
 * A user: POST /v1/users's body with `key` required; a contact method's URL (a secret) may be left out once the user
 * has a contact method of that name and kind on the server.
 */
const contactMethodEntries = ContactMethodSchema.options.map((variant): z.ZodObject => {
  const secrets = secretFieldsOf('contactMethods', variant.shape.kind.value);
  return variant.extend(Object.fromEntries(secrets.map((field) => [field, (variant.shape as Record<string, z.ZodType>)[field]!.optional()])));
});
const ContactMethodEntrySchema = z.discriminatedUnion(
  'kind',
  contactMethodEntries as unknown as [(typeof contactMethodEntries)[number], ...(typeof contactMethodEntries)[number][]],
);
/** A contact method's fields are read generically (its secrets field by field), so the type says only what every kind has. */
export type ContactMethodEntry = { name: string; kind: string } & Record<string, unknown>;
export const UserEntrySchema = z
  .strictObject({
    ...userFields,
    key: ResourceKeySchema,
    contactMethods: z
      .array(ContactMethodEntrySchema.meta({ 'x-vigil-rule': 'names unique within the user' }))
      .max(10)
      .default([]),
    notificationRules: userFields.notificationRules.default([]),
  })
  .superRefine((user, ctx) => checkReferences({ ...user, contactMethods: user.contactMethods as ContactMethodEntry[] }, ctx))
  .meta({ description: 'A person who can be on call, as POST /v1/users takes it, with `key`; a Slack or webhook URL may be left out once it exists' });
export type UserEntry = Omit<z.infer<typeof UserEntrySchema>, 'contactMethods'> & { contactMethods: ContactMethodEntry[] };

/** A rotation: its API body with `key` required and participants named by key (who is on call now is not configuration). */
export const RotationEntrySchema = z
  .strictObject({
    ...rotationFields,
    key: ResourceKeySchema,
    // The same instant however the file writes it: compared, and sent, as the API shows it.
    start: rotationFields.start.transform((at) => new Date(at).toISOString()),
    participants: z.array(reference('a user')).min(1).max(100).meta({ description: 'Users in turn order, by key; one may appear more than once' }),
  })
  .meta({ description: 'A rotation, as POST /v1/rotations takes it, with `key` and participants named by key' });
export type RotationEntry = z.infer<typeof RotationEntrySchema>;

/** A schedule: its API body with `key` required and each rule naming a rotation or a user by key; overrides are not configuration. */
export const ScheduleEntrySchema = z
  .strictObject({
    ...scheduleFields,
    key: ResourceKeySchema,
    rules: z
      .array(
        z
          .union([
            z.strictObject({ ...ruleFields, rotation: reference('a rotation').meta({ description: 'Whoever has its turn is on call' }) }),
            z.strictObject({ ...ruleFields, user: reference('a user').meta({ description: 'This person is on call' }) }),
          ])
          .meta({ description: 'A weekly time range naming a rotation or a user by key' }),
      )
      .max(50)
      .default([]),
  })
  .meta({ description: 'An on-call schedule, as POST /v1/schedules takes it, with `key` and rules naming rotations and users by key' });
export type ScheduleEntry = z.infer<typeof ScheduleEntrySchema>;

export const ConfigFileSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: 'Where editors find this schema, e.g. docs/vigil-config.schema.json' }),
    users: z.array(UserEntrySchema).default([]),
    rotations: z.array(RotationEntrySchema).default([]),
    schedules: z.array(ScheduleEntrySchema).default([]),
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
export type ConfigFile = Omit<z.infer<typeof ConfigFileSchema>, 'channels' | 'users'> & { channels: ChannelEntry[]; users: UserEntry[] };

/** The file's JSON Schema (draft 2020-12), as editors read it: what the file may hold, not what parsing fills in. */
export const configFileJsonSchema = () => z.toJSONSchema(ConfigFileSchema, { io: 'input', unrepresentable: 'any' });
