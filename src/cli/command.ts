import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ApiError, Unreachable, VigilClient } from './client';
import { formatFileError, InvalidConfigFile, type LoadedConfig } from './config-file';
import { painter, type CliIo, type Painter } from './output';
import { UnresolvedConfig } from './plan';

/**
 * What every command shares: its flags parsed with node's util.parseArgs, `--help`, the server's address and key
 * (`--url`/`--key`, or VIGIL_URL/VIGIL_KEY), `--output table|json`, and exit codes scripts can rely on.
 */

/** Exit codes, as the README lists them. */
export const EXIT = {
  /** Done; for plan: nothing to change. */
  ok: 0,
  /** Failed: an invalid file, a refusal from the server, the server unreachable. Nothing more was changed. */
  failed: 1,
  /** plan: there are changes to make (as `terraform plan -detailed-exitcode`). */
  changes: 2,
  /** The command line itself is wrong: an unknown command or flag, a missing argument (sysexits' EX_USAGE). */
  usage: 64,
} as const;

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  name: string;
  summary: string;
  /** The usage lines and what the flags do, shown by --help. */
  help: string;
  options?: Options;
  /** Whether it talks to a server (then --url and --key apply). */
  remote: boolean;
  run(ctx: Context): Promise<number>;
}

export interface Context {
  io: CliIo;
  args: string[];
  flags: Record<string, string | boolean | string[] | undefined>;
  json: boolean;
  paint: Painter;
  /** Only for remote commands. */
  client: VigilClient;
  /** Prints a line to stdout. */
  out(text: string): void;
  /** Prints a line to stderr. */
  err(text: string): void;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

const COMMON: Options = {
  help: { type: 'boolean', short: 'h' },
  output: { type: 'string', short: 'o', default: 'table' },
};
const REMOTE: Options = { url: { type: 'string' }, key: { type: 'string' } };

export const COMMON_HELP = `Common flags:
  -o, --output table|json  a table for people (default), or JSON for scripts
  -h, --help               this help`;
export const REMOTE_HELP = `  --url URL                the Vigil API (default: $VIGIL_URL, else http://127.0.0.1:3000)
  --key KEY                an API key (default: $VIGIL_KEY)`;

/** Runs one command on its arguments: parses them, then maps what can go wrong to a message and an exit code. */
export async function runCommand(
  command: Command,
  argv: string[],
  io: CliIo,
  makeClient = (url: string, key?: string) => new VigilClient(url, key),
): Promise<number> {
  const err = (text: string) => void io.stderr.write(`${text}\n`);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: { ...COMMON, ...(command.remote ? REMOTE : {}), ...command.options }, allowPositionals: true, strict: true });
  } catch (e) {
    err(`vigil ${command.name}: ${(e as Error).message}\nRun \`vigil ${command.name} --help\` for its usage.`);
    return EXIT.usage;
  }
  const flags = parsed.values as Context['flags'];
  if (flags.help) {
    io.stdout.write(`${command.help}\n\n${COMMON_HELP}${command.remote ? `\n${REMOTE_HELP}` : ''}\n`);
    return EXIT.ok;
  }
  if (flags.output !== 'table' && flags.output !== 'json') {
    err(`vigil ${command.name}: --output is table or json, not ${String(flags.output)}`);
    return EXIT.usage;
  }
  const url = (flags.url as string | undefined) ?? io.env.VIGIL_URL ?? 'http://127.0.0.1:3000';
  const ctx: Context = {
    io,
    args: parsed.positionals,
    flags,
    json: flags.output === 'json',
    paint: painter(io.stdout, io.env),
    client: makeClient(url, (flags.key as string | undefined) ?? io.env.VIGIL_KEY),
    out: (text) => void io.stdout.write(`${text}\n`),
    err,
  };
  try {
    return await command.run(ctx);
  } catch (e) {
    return failure(e, ctx, command);
  }
}

/** What went wrong, said once, on stderr (and as JSON on stdout with --output json), and its exit code. */
function failure(e: unknown, ctx: Context, command: Command): number {
  if (e instanceof UsageError) {
    ctx.err(`vigil ${command.name}: ${e.message}\nRun \`vigil ${command.name} --help\` for its usage.`);
    return EXIT.usage;
  }
  const errors =
    e instanceof InvalidConfigFile
      ? e.errors.map(formatFileError)
      : e instanceof ApiError || e instanceof Unreachable
        ? [e.message]
        : e instanceof Error
          ? [e.message]
          : [String(e)];
  if (ctx.json) ctx.out(JSON.stringify({ errors }));
  const headline = e instanceof InvalidConfigFile ? 'the file is invalid; nothing was changed' : undefined;
  ctx.err(
    [...(headline ? [`vigil ${command.name}: ${headline}`] : []), ...errors.map((m) => (headline ? `  ${m}` : `vigil ${command.name}: ${m}`))].join('\n'),
  );
  return EXIT.failed;
}

/** Faults only the server's state reveals, located in the file like any other fault. */
export function located(loaded: LoadedConfig, e: unknown): unknown {
  return e instanceof UnresolvedConfig ? new InvalidConfigFile(e.errors.map(({ path, message }) => loaded.locate(path, message))) : e;
}

/** The one positional argument a command needs (an id or key), or a usage error naming it. */
export function argument(ctx: Context, what: string): string {
  const [value, ...rest] = ctx.args;
  if (!value) throw new UsageError(`which ${what}?`);
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  return value;
}
