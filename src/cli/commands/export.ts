import { EXIT, UsageError, type Command } from '../command';
import { renderConfig } from '../render';
import { observe, readServerState } from '../state';

export const exportCommand: Command = {
  name: 'export',
  summary: "write the server's configuration as a file",
  remote: true,
  options: { file: { type: 'string', short: 'f' }, format: { type: 'string', default: 'yaml' } },
  help: `Usage: vigil export [-f vigil.yaml] [--format yaml|json]

Writes the targets, channels and escalation policies that have a key, and every status page, as a file that
\`vigil plan\` then reports as no change. Fields at their default are left out. Secrets (a webhook's signing secret,
a Slack webhook URL, a heartbeat's ping token) are never written: the file may leave them out, and the server keeps
its own; write \${NAME} in their place to set them from the environment.

  -f, --file PATH          write to this file instead of stdout
  --format yaml|json       yaml (default) or json`,
  async run(ctx) {
    const format = ctx.flags.format;
    if (format !== 'yaml' && format !== 'json') throw new UsageError(`--format is yaml or json, not ${String(format)}`);
    if (ctx.args.length > 0) throw new UsageError(`unexpected arguments: ${ctx.args.join(' ')}`);
    const observed = observe(await readServerState(ctx.client));
    const header = ` yaml-language-server: $schema=${new URL('/v1/config/schema', ctx.client.baseUrl)}\n Exported by vigil export. Secrets are left out: the server keeps its own.`;
    const text = renderConfig(observed.config, format, header);
    const path = ctx.flags.file as string | undefined;
    if (path) await ctx.io.writeFile(path, text);
    else ctx.io.stdout.write(text);
    for (const note of observed.unnamed) ctx.err(`note: ${note}: give it a key so that the file can name it`);
    const unmanaged = Object.entries(observed.unmanaged).filter(([, n]) => n > 0);
    if (unmanaged.length > 0) ctx.err(`note: left out, having no key: ${unmanaged.map(([kind, n]) => `${n} ${kind}`).join(', ')}`);
    return EXIT.ok;
  },
};
