import { EXIT, UsageError, type Command } from '../command';
import { table } from '../output';
import { INCIDENT_HEADER, incidentRows } from './incidents';
import { TARGET_HEADER, targetRows } from './targets';

export const statusCommand: Command = {
  name: 'status',
  summary: 'what is down now, and the open incidents',
  remote: true,
  help: `Usage: vigil status

The targets down or degraded, and the open incidents. Exit code 0 whatever their number: read the output (or
--output json: { down, degraded, incidents }).`,
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`unexpected arguments: ${ctx.args.join(' ')}`);
    const [down, degraded, incidents] = await Promise.all([
      ctx.client.listAll<never>('/v1/targets?state=down'),
      ctx.client.listAll<never>('/v1/targets?state=degraded'),
      ctx.client.listAll<never>('/v1/incidents?state=open'),
    ]);
    if (ctx.json) {
      ctx.out(JSON.stringify({ down, degraded, incidents }));
      return EXIT.ok;
    }
    const { red, yellow, green } = ctx.paint;
    if (down.length + degraded.length === 0) ctx.out(green('Every target is up (or paused, or in maintenance).'));
    else {
      ctx.out(`${red(`${down.length} down`)}, ${yellow(`${degraded.length} degraded`)}`);
      ctx.io.stdout.write(table(targetRows([...down, ...degraded]), TARGET_HEADER, ctx.paint));
    }
    ctx.out(incidents.length === 0 ? 'No open incidents.' : `\n${incidents.length} open incident${incidents.length === 1 ? '' : 's'}:`);
    if (incidents.length > 0) ctx.io.stdout.write(table(incidentRows(incidents), INCIDENT_HEADER, ctx.paint));
    return EXIT.ok;
  },
};
