import { loadConfig } from '../config';
import { ensureTimeSkippingServer, resolveTemporalCli, resolveTemporalServer, resolveTemporalUi, ToolError } from './tools';

/**
 * `tsx src/stack/prepare.ts TOOL...`: builds or fetches the named tools into the cache before anything that needs
 * them starts, so that a fresh machine's first `npm test`, `npm run up` or `npm run bench` spends its build minutes
 * here, in the open and outside any test's time limit, instead of inside a hook. Already cached, it returns at once.
 *
 * Tools: `cli` (the Temporal CLI and dev server), `test-server` (the Java time-skipping server), `server` and `ui`
 * (the Temporal server, its SQL tool and its Web UI, for the production-like stack).
 */
const TOOLS = ['cli', 'test-server', 'server', 'ui'] as const;
type Tool = (typeof TOOLS)[number];

const say = (line: string) => console.log(`[vigil] ${line}`);

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.find((a) => !(TOOLS as readonly string[]).includes(a));
  if (unknown !== undefined) throw new ToolError(`unknown tool ${unknown}; known: ${TOOLS.join(', ')}`);
  const wants = (tool: Tool) => asked.includes(tool);
  const config = loadConfig();
  const cacheDir = config.cacheDir;
  // The Maven fetch waits on the network, the Go builds on both cores: the fetch runs beside them, the builds in turn.
  const fetching = wants('test-server') ? ensureTimeSkippingServer({ cacheDir, log: say }) : Promise.resolve();
  const building = (async () => {
    if (wants('cli')) await resolveTemporalCli({ cliPath: config.temporal.cliPath, cacheDir, log: say });
    if (wants('server')) await resolveTemporalServer({ cacheDir, log: say });
    if (wants('ui')) await resolveTemporalUi({ cacheDir, log: say });
  })();
  // Each step finishes (a build killed half-way would only be redone next time), then the first failure is told.
  const failed = (await Promise.allSettled([fetching, building])).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

main().catch((err: unknown) => {
  console.error(`[vigil] ${err instanceof ToolError ? err.message : String((err as Error)?.stack ?? err)}`);
  process.exit(1);
});
