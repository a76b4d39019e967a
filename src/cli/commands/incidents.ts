import { argument, EXIT, UsageError, type Command } from '../command';
import { table } from '../output';
import type { Representation } from '../state';

/** `vigil incidents …`: what responders do from a terminal. */

interface Incident extends Representation {
  targetId: string;
  targetName: string;
  state: string;
  reason: string;
  assignee: string | null;
  openedAt: string;
}

export const incidentRows = (incidents: Incident[]) => incidents.map((i) => [i.id, i.state, i.targetName, i.reason, i.assignee ?? '', i.openedAt]);
export const INCIDENT_HEADER = ['ID', 'STATE', 'TARGET', 'REASON', 'ASSIGNEE', 'OPENED'];

export const incidentsListCommand: Command = {
  name: 'incidents list',
  summary: 'list incidents (open ones by default)',
  remote: true,
  options: { state: { type: 'string', default: 'open' }, all: { type: 'boolean' } },
  help: `Usage: vigil incidents list [--state open|triggered|acknowledged|exhausted|resolved] [--all]

Open incidents, newest first; --state picks another state, --all every incident.`,
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`unexpected arguments: ${ctx.args.join(' ')}`);
    const query = ctx.flags.all ? '' : `?state=${encodeURIComponent(ctx.flags.state as string)}`;
    const incidents = await ctx.client.listAll<Incident>(`/v1/incidents${query}`);
    if (ctx.json) ctx.out(JSON.stringify(incidents));
    else ctx.io.stdout.write(table(incidentRows(incidents), INCIDENT_HEADER, ctx.paint) || 'No incidents.\n');
    return EXIT.ok;
  },
};

const act = (name: string, path: string, summary: string, usage: string, body: (rest: string[]) => Record<string, unknown>): Command => ({
  name: `incidents ${name}`,
  summary,
  remote: true,
  help: `Usage: vigil incidents ${usage}`,
  async run(ctx) {
    const [id, ...rest] = ctx.args;
    if (!id) argument(ctx, 'incident id');
    const incident = await ctx.client.request<Incident>('POST', `/v1/incidents/${id}/${path}`, { body: body(rest) });
    if (ctx.json) ctx.out(JSON.stringify(incident));
    else ctx.out(`${incident.id}: ${incident.state}`);
    return EXIT.ok;
  },
});

const noArguments = (rest: string[]) => {
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  return {};
};

export const incidentsAckCommand = act('ack', 'acknowledge', 'acknowledge an incident: escalation stops', 'ack <incident id>', noArguments);
export const incidentsResolveCommand = act('resolve', 'resolve', 'resolve an incident, with an optional note', 'resolve <incident id> [note]', (rest) =>
  rest.length > 0 ? { note: rest.join(' ') } : {},
);
export const incidentsNoteCommand = act('note', 'notes', "add a note to an incident's timeline", 'note <incident id> <text>', (rest) => {
  if (rest.length === 0) throw new UsageError('what does the note say?');
  return { text: rest.join(' ') };
});
