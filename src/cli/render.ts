import { Document } from 'yaml';
import type { z } from 'zod';
import {
  ChannelEntrySchema,
  PolicyEntrySchema,
  RotationEntrySchema,
  ScheduleEntrySchema,
  StatusPageEntrySchema,
  TargetEntrySchema,
  UserEntrySchema,
  type ConfigFile,
} from '../api/config/schema';
import { canonical, type Change, type Plan } from './plan';
import { cell, type Painter } from './output';
import { variantOf } from './state';

/** Plans and configuration files as the client writes them. */

const NOUN = {
  user: 'user',
  rotation: 'rotation',
  schedule: 'schedule',
  channel: 'channel',
  escalationPolicy: 'escalation policy',
  target: 'target',
  statusPage: 'status page',
} as const;

export const planCounts = (plan: Plan) => ({
  create: plan.changes.filter((c) => c.action === 'create').length,
  update: plan.changes.filter((c) => c.action === 'update').length,
  delete: plan.changes.filter((c) => c.action === 'delete').length,
});

/** A plan for people: `+ target api (create)`, `~ target web` with a line per field, `- target old (delete)`. */
export function renderPlan(plan: Plan, paint: Painter): string {
  const lines = plan.changes.map((change: Change) => {
    const what = `${NOUN[change.resource]} ${change.key}`;
    if (change.action === 'create') return paint.green(`+ ${what}`);
    if (change.action === 'delete') return paint.red(`- ${what}`);
    const fields = change.fields.map((f) => `    ${f.field}: ${f.secret ? '(secret) changed' : `${cell(f.from)} → ${cell(f.to)}`}`);
    return [paint.yellow(`~ ${what}`), ...fields].join('\n');
  });
  const { create, update, delete: deleted } = planCounts(plan);
  const unmanaged = Object.entries(plan.unmanaged)
    .filter(([, n]) => n > 0)
    .map(([resource, n]) => `${n} ${NOUN[resource as keyof typeof NOUN]}${n === 1 ? '' : 's'}`);
  const summary =
    plan.changes.length === 0 ? 'No changes: the server matches the file.' : `Plan: ${create} to create, ${update} to update, ${deleted} to delete.`;
  const note = unmanaged.length > 0 ? `\nWithout a key, not managed by the file: ${unmanaged.join(', ')}.` : '';
  return `${lines.length > 0 ? `${lines.join('\n')}\n\n` : ''}${paint.bold(summary)}${note}\n`;
}

/** The fields of each entry schema that parsing fills in when left out, with the value: what export need not write. */
function defaultsOf(schema: z.ZodObject): Record<string, string> {
  return Object.fromEntries(
    Object.entries(schema.shape).flatMap(([field, type]) => {
      const parsed = (type as z.ZodType).safeParse(undefined);
      return parsed.success && parsed.data !== undefined ? [[field, canonical(parsed.data)]] : [];
    }),
  );
}

const withoutDefaults = (entry: Record<string, unknown>, defaults: Record<string, string>, first: readonly string[]) => {
  const kept = Object.entries(entry).filter(([field, value]) => value !== undefined && defaults[field] !== canonical(value));
  const rank = (field: string) => (first.includes(field) ? first.indexOf(field) : first.length);
  return Object.fromEntries(kept.sort(([a], [b]) => rank(a) - rank(b)));
};

/**
 * A configuration as a file: entries sorted by key, fields that equal their default left out (a file that sets them
 * plans the same), the key, name and kind first.
 */
export function configDocument(config: ConfigFile): Record<string, unknown> {
  const first = ['key', 'slug', 'name', 'title', 'kind'];
  const byKey = <T extends Record<string, unknown>>(entries: T[], keyField = 'key') =>
    [...entries].sort((a, b) => String(a[keyField]).localeCompare(String(b[keyField])));
  const entries = <T extends Record<string, unknown>>(list: T[], schemaOf: (entry: T) => z.ZodObject | undefined, keyField?: string) =>
    byKey(list, keyField).map((entry) => {
      const schema = schemaOf(entry);
      return withoutDefaults(entry, schema ? defaultsOf(schema) : {}, first);
    });
  return {
    channels: entries(config.channels, (c) => variantOf(ChannelEntrySchema, c.kind)),
    escalationPolicies: entries(config.escalationPolicies as Record<string, unknown>[], () => PolicyEntrySchema),
    targets: entries(config.targets as Record<string, unknown>[], (t) => variantOf(TargetEntrySchema, t.kind ?? 'http')),
    statusPages: entries(config.statusPages as Record<string, unknown>[], () => StatusPageEntrySchema, 'slug'),
    users: entries(config.users as Record<string, unknown>[], () => UserEntrySchema),
    rotations: entries(config.rotations as Record<string, unknown>[], () => RotationEntrySchema),
    schedules: entries(config.schedules as Record<string, unknown>[], () => ScheduleEntrySchema),
  };
}

export function renderConfig(config: ConfigFile, format: 'yaml' | 'json', header: string): string {
  const document = configDocument(config);
  if (format === 'json') return `${JSON.stringify(document, null, 2)}\n`;
  const doc = new Document(document);
  doc.commentBefore = header;
  return doc.toString({ lineWidth: 0 });
}
