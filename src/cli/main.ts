import { readFile, writeFile } from 'node:fs/promises';
import { EXIT, runCommand, type Command } from './command';
import { applyCommand } from './commands/apply';
import { exportCommand } from './commands/export';
import { incidentsAckCommand, incidentsListCommand, incidentsNoteCommand, incidentsResolveCommand } from './commands/incidents';
import { planCommand } from './commands/plan';
import { schemaCommand } from './commands/schema';
import { statusCommand } from './commands/status';
import { targetsCheckNowCommand, targetsGetCommand, targetsListCommand, targetsPauseCommand, targetsResumeCommand } from './commands/targets';
import type { CliIo } from './output';

/** `vigil`: Vigil's command-line client. It talks to the public API only (VIGIL_URL, VIGIL_KEY), never to a database. */

export const COMMANDS: Command[] = [
  planCommand,
  applyCommand,
  exportCommand,
  schemaCommand,
  statusCommand,
  targetsListCommand,
  targetsGetCommand,
  targetsPauseCommand,
  targetsResumeCommand,
  targetsCheckNowCommand,
  incidentsListCommand,
  incidentsAckCommand,
  incidentsResolveCommand,
  incidentsNoteCommand,
];

const HELP = `Usage: vigil <command> [flags]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(20)}${c.summary}`).join('\n')}

Every command takes --help. The server and key come from --url/--key or VIGIL_URL/VIGIL_KEY.
Exit codes: 0 done (plan: no changes), 1 failed, 2 plan: changes to make, 64 wrong usage.`;

/** Runs the command `argv` names (`targets list …`: the longest name that matches) and answers its exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [first, second] = argv;
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    io.stdout.write(`${HELP}\n`);
    return first ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS.find((c) => c.name === `${first} ${second}`) ?? COMMANDS.find((c) => c.name === first);
  if (!command) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
    const hint =
      group.length > 0 ? `vigil ${first} takes: ${group.map((c) => c.name.slice(first.length + 1)).join(', ')}` : 'Run `vigil --help` for the commands.';
    io.stderr.write(`vigil: unknown command "${[first, second].filter(Boolean).join(' ')}". ${hint}\n`);
    return EXIT.usage;
  }
  return runCommand(command, argv.slice(command.name.split(' ').length), io);
}

/** The process's own streams, environment and files. */
export const processIo = (): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  readFile: (path) => readFile(path, 'utf8'),
  writeFile: (path, text) => writeFile(path, text),
});

/** Runs the command line this process was started with, and sets its exit code. */
export function runProcess(): void {
  main(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`vigil: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}

// `node dist/src/cli/main.js …`: in the Docker image, which has the build but not bin/.
if (require.main === module) runProcess();
