import { channelRepresentation } from '../../src/api/channels/representation';
import { policyRepresentation } from '../../src/api/escalation-policies/representation';
import { targetRepresentation } from '../../src/api/targets/representation';
import { createTargetBody } from '../../src/api/targets/schema';
import { loadConfig } from '../../src/cli/config-file';
import { planChanges, UnresolvedConfig, type Change } from '../../src/cli/plan';
import { renderConfig } from '../../src/cli/render';
import { observe, type Representation, type ServerState } from '../../src/cli/state';
import { channelConfig, type StoredPolicy } from '../../src/db/escalation';
import { ChannelInputSchema } from '../../src/domain/escalation';
import { newId } from '../../src/ids';

/** The plan as a pure function of the file and the server's state, with the state made by the API's own representations. */
describe('planning a configuration file', () => {
  let clock = Date.UTC(2026, 0, 1);
  const id = (prefix: 'tgt' | 'chn' | 'esc' | 'stp') => {
    clock += 1000;
    return newId(prefix, clock);
  };
  /** What the client receives: the representation, through JSON. */
  const wire = (value: unknown) => JSON.parse(JSON.stringify(value)) as Representation;

  const target = (body: Record<string, unknown>) =>
    wire(
      targetRepresentation({
        id: id('tgt'),
        spec: createTargetBody(1).parse(body),
        configVersion: 1,
        paused: false,
        createdAt: new Date(clock),
        updatedAt: new Date(clock),
        status: null,
      }),
    );
  const channel = (body: Record<string, unknown>) => {
    const input = ChannelInputSchema.parse(body);
    const at = new Date(clock);
    return wire(
      channelRepresentation({
        id: id('chn'),
        name: input.name,
        kind: input.kind,
        key: input.key ?? null,
        config: channelConfig(input),
        createdAt: at,
        updatedAt: at,
      }),
    );
  };
  const policy = (key: string | null, name: string, channels: Representation[]) => {
    const at = new Date(clock);
    const policyId = id('esc');
    const stored = {
      id: policyId,
      key,
      name,
      description: '',
      repeat: 0,
      version: 1,
      createdAt: at,
      updatedAt: at,
      levels: [
        {
          policyId,
          position: 0,
          timeoutSeconds: 300,
          channels: channels.map((c, ordinal) => ({ policyId, position: 0, channelId: c.id, ordinal, channel: { id: c.id, name: c.name, kind: c.kind } })),
        },
      ],
    } as unknown as StoredPolicy;
    return wire(policyRepresentation(stored));
  };
  const page = (slug: string, title: string, targets: { targetId: string; name: string; displayName: string | null }[]) =>
    wire({
      id: id('stp'),
      slug,
      title,
      description: '',
      publicUrl: `/v1/public/status-pages/${slug}`,
      targets,
      createdAt: new Date(clock),
      updatedAt: new Date(clock),
    });

  /** A server with one resource of every kind and probe, and one unkeyed target the file does not manage. */
  function server(): ServerState {
    const slack = channel({ key: 'ops-slack', kind: 'slack', name: 'Ops', url: 'https://hooks.slack.com/services/T/B/secret1' });
    const hook = channel({ key: 'pager', kind: 'webhook', name: 'Pager', url: 'https://pager.example.com/in', signingSecret: `whsec_${'A'.repeat(43)}=` });
    const mail = channel({ key: 'mail', kind: 'email', name: 'Mail', addresses: ['ops@example.com'] });
    const primary = policy('primary', 'Primary', [slack, hook]);
    const api = target({
      key: 'api',
      name: 'API',
      url: 'https://api.example.com/health',
      intervalSeconds: 30,
      escalationPolicyId: primary.id,
      bodyContains: 'ok',
    });
    const db = target({ key: 'db', kind: 'tcp', name: 'DB', host: 'db.example.com', port: 5432, intervalSeconds: 60, tags: ['eu'] });
    const dns = target({ key: 'mx', kind: 'dns', name: 'MX', query: 'example.com', recordType: 'MX', intervalSeconds: 300 });
    const beat = target({ key: 'backup', kind: 'heartbeat', name: 'Backup', intervalSeconds: 86_400, graceSeconds: 600 });
    const loose = target({ name: 'made by hand', url: 'https://hand.example.com', intervalSeconds: 60 });
    const acme = page('acme', 'Acme', [
      { targetId: api.id, name: 'API', displayName: 'Public API' },
      { targetId: db.id, name: 'DB', displayName: null },
    ]);
    return { targets: [api, db, dns, beat, loose], channels: [slack, hook, mail], policies: [primary], statusPages: [acme] };
  }

  const exported = (state: ServerState, format: 'yaml' | 'json' = 'yaml') => renderConfig(observe(state).config, format, ' test');
  const plan = (text: string, state: ServerState, prune = false) => planChanges(loadConfig('vigil.yaml', text, {}).config, observe(state), { prune });
  const summary = (changes: Change[]) =>
    changes.map((c) => `${c.action} ${c.resource} ${c.key}${c.fields.length ? ` ${c.fields.map((f) => f.field).join(',')}` : ''}`);

  it.each(['yaml', 'json'] as const)('plans an exported %s file as no change, secrets left out of it', (format) => {
    const state = server();
    const text = exported(state, format);
    expect(text).not.toMatch(/secret1|whsec_|token/);
    expect(plan(text, state).changes).toEqual([]);
    expect(plan(text, state, true).changes).toEqual([]);
  });

  it('leaves out of an export the fields at their default, and keyless resources', () => {
    const text = exported(server());
    expect(text).not.toMatch(/downAfter|followRedirects|made by hand/);
    expect(text).toMatch(/bodyContains: ok/);
  });

  it('names each changed field, with its old and new value; a new name is an update, not a delete and a create', () => {
    const state = server();
    const text = exported(state)
      .replace('intervalSeconds: 30', 'intervalSeconds: 15')
      .replace('name: API', 'name: Public API')
      .replace(/\n\s+bodyContains: ok/, '');
    const { changes } = plan(text, state);
    expect(changes).toEqual([
      {
        action: 'update',
        resource: 'target',
        key: 'api',
        id: state.targets[0]!.id,
        fields: [
          { field: 'name', from: 'API', to: 'Public API' },
          { field: 'intervalSeconds', from: 30, to: 15 },
          { field: 'bodyContains', from: 'ok' },
        ],
      },
    ]);
  });

  it('creates what the file adds, and deletes what it drops only with prune, never what has no key', () => {
    const state = server();
    const text = `${exported(state)
      .replace(/ {2}- key: mx\n(?: {4}.*\n)+/, '')
      .replace('targets:\n', 'targets:\n  - key: new\n    name: New\n    url: https://new.example.com\n    intervalSeconds: 60\n')}`;
    expect(summary(plan(text, state).changes)).toEqual(['create target new']);
    expect(summary(plan(text, state, true).changes)).toEqual(['create target new', 'delete target mx']);
  });

  it('deletes with prune in the order nothing is still referenced: status pages, targets, policies, channels', () => {
    expect(summary(plan('{}', server(), true).changes)).toEqual([
      'delete statusPage acme',
      'delete target api',
      'delete target db',
      'delete target mx',
      'delete target backup',
      'delete escalationPolicy primary',
      'delete channel ops-slack',
      'delete channel pager',
      'delete channel mail',
    ]);
  });

  it('compares a secret the file sets by the hint the server shows of it (the API shows a secret whole only when it is written)', () => {
    const state = server();
    const text = exported(state)
      .replace('kind: slack\n', 'kind: slack\n    url: https://hooks.slack.com/services/T/B/secret2\n')
      .replace('kind: webhook\n', `kind: webhook\n    url: https://pager.example.com/in\n    signingSecret: whsec_${'A'.repeat(43)}=\n`);
    expect(plan(text, state).changes).toEqual([
      { action: 'update', resource: 'channel', key: 'ops-slack', id: state.channels[0]!.id, fields: [{ field: 'url', secret: true }] },
    ]);
    const rotated = text.replace(`whsec_${'A'.repeat(43)}=`, `whsec_${'B'.repeat(43)}=`).replace('secret2', 'secret1');
    expect(summary(plan(rotated, state).changes)).toEqual(['update channel pager signingSecret']);
  });

  it('compares a secret the server shows only as a hint with a URL origin by that origin and its last characters', () => {
    const state = server();
    expect(state.channels[0]).toMatchObject({ urlHint: 'https://hooks.slack.com/…ret1' });
    expect(state.channels[0]).not.toHaveProperty('url');
    const withUrl = (value: string) => exported(state).replace('kind: slack\n', `kind: slack\n    url: ${value}\n`);
    expect(plan(withUrl('https://hooks.slack.com/services/T/B/secret1'), state).changes).toEqual([]);
    expect(summary(plan(withUrl('https://hooks.slack.com/services/T/B/secret2'), state).changes)).toEqual(['update channel ops-slack url']);
    expect(summary(plan(withUrl('https://other.example.com/services/T/B/secret1'), state).changes)).toEqual(['update channel ops-slack url']);
  });

  it('refuses to change a channel whose replacement needs a secret the file leaves out and the server does not show', () => {
    const state = server();
    const renamed = exported(state).replace('name: Ops\n', 'name: Ops team\n');
    expect(() => plan(renamed, state)).toThrow('channels.1.url: needed to change the channel, and the server does not show it: set it in the file');
    expect(summary(plan(renamed.replace('kind: slack\n', 'kind: slack\n    url: https://hooks.slack.com/services/T/B/secret1\n'), state).changes)).toEqual([
      'update channel ops-slack name',
    ]);
  });

  it('refuses references to keys neither in the file nor on the server, and with prune, to keys only the server has', () => {
    const state = server();
    const text = `
escalationPolicies:
  - key: night
    name: Night
    levels: [{ timeoutSeconds: 600, channels: [mail, sms] }]
targets:
  - key: web
    name: Web
    url: https://web.example.com
    intervalSeconds: 60
    escalationPolicy: weekend
statusPages:
  - slug: public
    title: Public
    targets: [{ target: web }, { target: api }]
`;
    const faults = (prune: boolean) => {
      try {
        plan(text, state, prune);
      } catch (err) {
        if (err instanceof UnresolvedConfig) return err.errors.map((e) => `${e.path.join('.')}: ${e.message}`);
      }
      throw new Error('the plan was made');
    };
    expect(faults(false)).toEqual([
      'escalationPolicies.0.levels.0.channels.1: no channel "sms" in this file or on the server',
      'targets.0.escalationPolicy: no escalation policy "weekend" in this file or on the server',
    ]);
    expect(faults(true)).toEqual([
      'escalationPolicies.0.levels.0.channels.0: no channel "mail" in this file (--prune deletes the server’s others)',
      'escalationPolicies.0.levels.0.channels.1: no channel "sms" in this file (--prune deletes the server’s others)',
      'targets.0.escalationPolicy: no escalation policy "weekend" in this file (--prune deletes the server’s others)',
      'statusPages.0.targets.1.target: no target "api" in this file (--prune deletes the server’s others)',
    ]);
  });

  it('refuses to create a channel without the secret its creation needs', () => {
    expect(() => plan('channels:\n  - key: new-slack\n    kind: slack\n    name: New\n', server())).toThrow(
      'channels.0.url: needed to create the channel (a secret may be left out only once it exists)',
    );
  });
});
