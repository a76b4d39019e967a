import { z } from 'zod';
import { idSchema } from '../../domain/id';
import { trimmedText } from '../../domain/text';

/** What the status page routes take, apart from the routes so that the configuration file's schema builds on them. */

/** Targets on one page: the public answer stays small, and one page read stays a handful of indexed queries. */
export const MAX_TARGETS_PER_PAGE = 100;

export const Slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lowercase letters, digits and single hyphens, e.g. "acme-status"')
  .meta({ description: 'The public address: /status/<slug> (HTML), /v1/public/status-pages/<slug> (JSON)' });
const Title = trimmedText(1, 200);
const Description = trimmedText(0, 2000);
/** https only: the page's Content-Security-Policy loads images from https alone, and a page served over TLS would refuse http. */
const LogoUrl = z
  .url({ protocol: /^https$/, error: 'must be an absolute https:// URL' })
  .max(2048)
  .meta({ 'x-vigil-rule': 'an https:// URL' })
  .nullable()
  .meta({ description: 'An image shown beside the title on the HTML page; null for none' });
const Links = z
  .array(
    z.strictObject({
      label: trimmedText(1, 60),
      url: z.url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' }).max(2048),
    }),
  )
  .max(10)
  .meta({ description: "Links in the HTML page's header, in order (your site, support, a contact)" });
export const DisplayName = trimmedText(1, 200).nullable().meta({ description: "The name the public sees; the target's own when null" });
const PageTarget = z.strictObject({
  targetId: idSchema('tgt', 'a target').meta({ description: 'tgt_…', 'x-vigil-rule': 'each target once on a page' }),
  displayName: DisplayName.optional(),
});
const PageTargets = z
  .array(PageTarget)
  .max(MAX_TARGETS_PER_PAGE)
  .superRefine((targets, ctx) => {
    const seen = new Set<string>();
    for (const [i, { targetId }] of targets.entries()) {
      if (seen.has(targetId)) ctx.addIssue({ code: 'custom', path: [i, 'targetId'], message: 'listed twice' });
      seen.add(targetId);
    }
  })
  .meta({ description: 'The targets shown, in this order' });

export const CreateStatusPageBody = z.strictObject({
  slug: Slug,
  title: Title,
  description: Description.default(''),
  logoUrl: LogoUrl.default(null),
  links: Links.default([]),
  targets: PageTargets.default([]),
});
export const UpdateStatusPageBody = z
  .strictObject({
    slug: Slug.optional(),
    title: Title.optional(),
    description: Description.optional(),
    logoUrl: LogoUrl.optional(),
    links: Links.optional(),
    targets: PageTargets.optional(),
  })
  .meta({ description: 'The fields to change; `targets` replaces the whole list' });
export const PutTargetBody = z.strictObject({ displayName: DisplayName.default(null) });
