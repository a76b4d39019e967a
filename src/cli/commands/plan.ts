import { EXIT, type Command } from '../command';
import { planCounts, renderPlan } from '../render';
import { FILE_HELP, FILE_OPTIONS, planFromFile } from './config';

export const planCommand: Command = {
  name: 'plan',
  summary: 'show what apply would change, changing nothing',
  remote: true,
  options: FILE_OPTIONS,
  help: `Usage: vigil plan -f vigil.yaml [--prune]

Compares the file with the server: what would be created, updated (field by field) and, with --prune, deleted.
Changes nothing. Exit code 0: nothing to do; 2: there are changes; 1: the file is invalid or the server failed.

${FILE_HELP}`,
  async run(ctx) {
    const { plan, observed } = await planFromFile(ctx);
    if (ctx.json) ctx.out(JSON.stringify({ changes: plan.changes, summary: planCounts(plan), unmanaged: plan.unmanaged }));
    else ctx.io.stdout.write(renderPlan(plan, ctx.paint));
    for (const note of observed.unnamed) ctx.err(`note: ${note}`);
    return plan.changes.length === 0 ? EXIT.ok : EXIT.changes;
  },
};
