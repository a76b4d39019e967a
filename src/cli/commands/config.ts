import { loadConfig, type LoadedConfig } from '../config-file';
import { located, UsageError, type Context } from '../command';
import { planChanges, type Plan } from '../plan';
import { observe, readServerState, type Observed } from '../state';

/** What plan and apply share: the file read and checked, the server read, and the plan between them. */
export const FILE_OPTIONS = {
  file: { type: 'string', short: 'f' },
  prune: { type: 'boolean', default: false },
} as const;

export const FILE_HELP = `  -f, --file PATH          the configuration file (YAML or JSON)
  --prune                  also delete what the server has with a key and the file no longer has`;

export interface Planned {
  loaded: LoadedConfig;
  observed: Observed;
  plan: Plan;
}

/**
 * Reads the file (refused whole, with each fault's line and column, before the server is asked anything), then the
 * server's state, then plans. References the file cannot resolve against the server are faults of the file too.
 */
export async function planFromFile(ctx: Context): Promise<Planned> {
  const path = ctx.flags.file as string | undefined;
  if (!path) throw new UsageError('which file? (-f vigil.yaml)');
  if (ctx.args.length > 0) throw new UsageError(`unexpected arguments: ${ctx.args.join(' ')}`);
  const loaded = loadConfig(path, await ctx.io.readFile(path), ctx.io.env);
  const observed = observe(await readServerState(ctx.client));
  try {
    return { loaded, observed, plan: planChanges(loaded.config, observed, { prune: ctx.flags.prune === true }) };
  } catch (e) {
    throw located(loaded, e);
  }
}
