import { z } from 'zod';
import { resourceKeyField } from './resource-key';
import { trimmedText } from './text';
import { timeZoneSchema } from './zone-time';

/**
 * People who can be on call, how to reach them (contact methods), and in what order and after how long (notification
 * rules: "e-mail at once, webhook after 5 minutes unacknowledged"). Pure: the API validates with these; paging people
 * through them is issue 18's item 4.
 */

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' }).max(2048);
const methodName = trimmedText(1, 100);

export const CONTACT_METHOD_KINDS = ['email', 'slack', 'webhook'] as const;

export const ContactMethodSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('email'), name: methodName, address: z.email().max(254) }),
  z.strictObject({
    kind: z.literal('slack'),
    name: methodName,
    url: httpUrl.meta({ description: 'A Slack incoming webhook' }),
    slackUserId: z
      .string()
      .regex(/^[UW][A-Z0-9]{2,20}$/, 'a Slack member id, e.g. U024BE7LH')
      .optional()
      .meta({ description: 'Mentioned in the message, so Slack notifies this person' }),
  }),
  z.strictObject({ kind: z.literal('webhook'), name: methodName, url: httpUrl }),
]);
export type ContactMethod = z.infer<typeof ContactMethodSchema>;

export const NotificationRuleSchema = z.strictObject({
  contactMethod: methodName.meta({ description: "The name of one of the user's contact methods", 'x-vigil-rule': "one of the user's contact methods" }),
  afterMinutes: z
    .int()
    .min(0)
    .max(24 * 60)
    .meta({ description: 'Minutes after the page while nobody has acknowledged it; 0: at once' }),
});
export type NotificationRule = z.infer<typeof NotificationRuleSchema>;

export const userFields = {
  name: trimmedText(1, 200),
  key: resourceKeyField,
  email: z.email().max(254).toLowerCase(),
  timeZone: timeZoneSchema,
  contactMethods: z.array(ContactMethodSchema.meta({ 'x-vigil-rule': 'names unique within the user' })).max(10),
  notificationRules: z.array(NotificationRuleSchema).max(20),
};

/** Each contact method's name once, and each rule naming one of them. */
export function checkReferences(user: { contactMethods: readonly { name: string }[]; notificationRules: NotificationRule[] }, ctx: z.RefinementCtx): void {
  const names = new Set<string>();
  for (const [i, { name }] of user.contactMethods.entries()) {
    if (names.has(name)) ctx.addIssue({ code: 'custom', path: ['contactMethods', i, 'name'], message: 'another contact method has this name' });
    names.add(name);
  }
  for (const [i, { contactMethod }] of user.notificationRules.entries()) {
    if (!names.has(contactMethod))
      ctx.addIssue({ code: 'custom', path: ['notificationRules', i, 'contactMethod'], message: `no contact method named "${contactMethod}"` });
  }
}

export const UserInputSchema = z
  .strictObject({ ...userFields, contactMethods: userFields.contactMethods.default([]), notificationRules: userFields.notificationRules.default([]) })
  .superRefine(checkReferences);
export type UserInput = z.infer<typeof UserInputSchema>;

/** A change: the fields given replace the stored ones (lists whole); the result is held to the same rules. */
export const UserChangeSchema = z
  .strictObject({
    name: userFields.name.optional(),
    key: userFields.key,
    email: userFields.email.optional(),
    timeZone: timeZoneSchema.optional(),
    contactMethods: userFields.contactMethods.optional(),
    notificationRules: userFields.notificationRules.optional(),
  })
  .meta({ description: 'The fields to change; lists replace the whole list' });
export type UserChange = z.infer<typeof UserChangeSchema>;

/** The user a change makes, or the issues naming what it breaks (a rule left naming a removed contact method). */
export const changedUser = (current: UserInput, change: UserChange) => UserInputSchema.safeParse({ ...current, ...change });
