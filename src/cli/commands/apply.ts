import { applyPlan } from '../apply';
import { EXIT, type Command } from '../command';
import { progressLine } from '../output';
import { planCounts, renderPlan } from '../render';
import { FILE_HELP, FILE_OPTIONS, planFromFile } from './config';

export const applyCommand: Command = {
  name: 'apply',
  summary: 'make the server match the file',
  remote: true,
  options: FILE_OPTIONS,
  help: `Usage: vigil apply -f vigil.yaml [--prune]

Plans as \`vigil plan\` does, then makes each change through the API. An invalid file is refused whole before
anything is sent. Each resource changes in one request, so a failure half-way leaves each one as it was or as the
file says; run apply again to finish. Applying the same file twice changes nothing the second time.
Exit code 0: done (or nothing to do); 1: the file is invalid, or the server refused or failed (see the message).

${FILE_HELP}`,
  async run(ctx) {
    const { loaded, observed, plan } = await planFromFile(ctx);
    if (!ctx.json) ctx.io.stdout.write(renderPlan(plan, ctx.paint));
    if (plan.changes.length === 0) {
      if (ctx.json) ctx.out(JSON.stringify({ applied: [], summary: planCounts(plan) }));
      return EXIT.ok;
    }
    const progress = progressLine(ctx.io.stderr, 'applying');
    let done = 0;
    const started = Date.now();
    try {
      await applyPlan(ctx.client, loaded.config, observed, plan, {
        advanced: (made, total) => {
          done = made;
          progress.update(made, total);
        },
        // The server admits an import as its workers keep up (503 + Retry-After): on a terminal the line says so.
        waiting: (seconds) => progress.update(done, plan.changes.length, `(server busy, next in ${seconds} s)`),
      });
    } finally {
      progress.end();
    }
    const seconds = (Date.now() - started) / 1000;
    if (ctx.json) ctx.out(JSON.stringify({ applied: plan.changes, summary: planCounts(plan), seconds }));
    else ctx.out(ctx.paint.green(`Applied ${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'} in ${seconds.toFixed(1)} s.`));
    return EXIT.ok;
  },
};
