import { argument, EXIT, UsageError, type Command, type Context } from '../command';
import { cell, table } from '../output';
import type { Page } from '../client';
import type { Representation } from '../state';

/** `vigil targets …`: the everyday commands on targets, each named by id (tgt_…) or by its key. */

interface Target extends Representation {
  key: string | null;
  name: string;
  kind: string;
  intervalSeconds: number;
  paused: boolean;
  status: { state: string; since: string; lastCheckedAt: string | null; lastError: string | null };
}

/** The target an argument names: an id as it is, a key looked up. */
export async function targetId(ctx: Context, ref: string): Promise<string> {
  if (/^tgt_/.test(ref)) return ref;
  const page = await ctx.client.get<Page<Target>>(`/v1/targets?key=${encodeURIComponent(ref)}`);
  const found = page.data[0];
  if (!found) throw new Error(`no target with the key "${ref}"`);
  return found.id;
}

export const targetRows = (targets: Target[]) =>
  targets.map((t) => [t.id, t.key ?? '', t.name, t.kind, `${t.intervalSeconds}s`, t.status.state, t.status.since, t.status.lastError ?? '']);
export const TARGET_HEADER = ['ID', 'KEY', 'NAME', 'KIND', 'EVERY', 'STATE', 'SINCE', 'LAST ERROR'];

const REF = 'a target id (tgt_…) or key';

export const targetsListCommand: Command = {
  name: 'targets list',
  summary: 'list targets, with their state',
  remote: true,
  options: { state: { type: 'string' }, kind: { type: 'string' }, tag: { type: 'string', multiple: true } },
  help: `Usage: vigil targets list [--state up|down|degraded|paused|maintenance|unknown] [--kind K] [--tag T]...

Every target (newest first) matching the filters, with its state.`,
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`unexpected arguments: ${ctx.args.join(' ')}`);
    const query = new URLSearchParams();
    if (ctx.flags.state) query.set('state', ctx.flags.state as string);
    if (ctx.flags.kind) query.set('kind', ctx.flags.kind as string);
    for (const tag of (ctx.flags.tag as string[] | undefined) ?? []) query.append('tag', tag);
    const targets = await ctx.client.listAll<Target>(`/v1/targets?${query}`);
    if (ctx.json) ctx.out(JSON.stringify(targets));
    else ctx.io.stdout.write(table(targetRows(targets), TARGET_HEADER, ctx.paint) || 'No targets.\n');
    return EXIT.ok;
  },
};

export const targetsGetCommand: Command = {
  name: 'targets get',
  summary: 'show one target: its configuration and status',
  remote: true,
  help: `Usage: vigil targets get <id or key>`,
  async run(ctx) {
    const target = await ctx.client.get<Target>(`/v1/targets/${await targetId(ctx, argument(ctx, REF))}`);
    if (ctx.json) ctx.out(JSON.stringify(target));
    else {
      const { status, ...config } = target;
      const rows = [...Object.entries(config), ...Object.entries(status).map(([k, v]) => [`status.${k}`, v] as const)].map(([k, v]) => [k, cell(v)]);
      ctx.io.stdout.write(table(rows, ['FIELD', 'VALUE'], ctx.paint));
    }
    return EXIT.ok;
  },
};

/** pause, resume and check-now: one POST on the target, and what it answers. */
const action = (verb: 'pause' | 'resume' | 'check-now', path: string, summary: string): Command => ({
  name: `targets ${verb}`,
  summary,
  remote: true,
  help: `Usage: vigil targets ${verb} <id or key>`,
  async run(ctx) {
    const id = await targetId(ctx, argument(ctx, REF));
    const answer = await ctx.client.request<Record<string, unknown>>('POST', `/v1/targets/${id}/${path}`, { body: {} });
    if (ctx.json) ctx.out(JSON.stringify(answer));
    else if (verb === 'check-now') {
      const { outcome, latencyMs, error } = answer as { outcome: string; latencyMs: number | null; error: string | null };
      ctx.out(`${id}: ${outcome}${latencyMs === null ? '' : ` in ${latencyMs} ms`}${error ? ` (${error})` : ''}`);
    } else ctx.out(`${id}: ${(answer as unknown as Target).status.state}`);
    return EXIT.ok;
  },
});

export const targetsPauseCommand = action('pause', 'pause', 'pause a target: no probes, no incidents');
export const targetsResumeCommand = action('resume', 'resume', 'resume a paused target');
export const targetsCheckNowCommand = action('check-now', 'check', 'probe a target now and show the result');
