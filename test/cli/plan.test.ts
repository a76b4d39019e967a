import { channelRepresentation } from '../../src/api/channels/representation';
import { policyRepresentation } from '../../src/api/escalation-policies/representation';
import { scheduleShown } from '../../src/api/schedules/schema';
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
  const id = (prefix: 'tgt' | 'chn' | 'esc' | 'stp' | 'usr' | 'rot' | 'sch') => {
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
  /** A policy of one level paging `channels`, and `people` (users, schedules, rotations by their representations). */
  const policy = (key: string | null, name: string, channels: Representation[], people: Representation[] = []) => {
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
          people: people.map((p) => {
            const kind = ({ usr: 'user', sch: 'schedule', rot: 'rotation' } as const)[p.id.slice(0, 3) as 'usr' | 'sch' | 'rot'];
            const ids = { userId: null, scheduleId: null, rotationId: null, [`${kind}Id`]: p.id };
            return { ...ids, [kind]: { name: p.name } };
          }),
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

  const user = (key: string | null, name: string, contactMethods: Record<string, unknown>[] = []) =>
    wire({
      id: id('usr'),
      key,
      name,
      email: `${name.toLowerCase()}@example.com`,
      timeZone: 'Europe/Berlin',
      contactMethods,
      notificationRules: contactMethods.map((m) => ({ contactMethod: m.name, afterMinutes: 0 })),
      createdAt: new Date(clock),
      updatedAt: new Date(clock),
    });
  /** As GET /v1/rotations shows one: who is on call now beside its configuration. */
  const rotation = (key: string, participants: Representation[]) =>
    wire({
      id: id('rot'),
      key,
      name: 'Primary',
      timeZone: 'Europe/Berlin',
      shiftLength: 1,
      shiftUnit: 'weeks',
      start: '2026-01-05T08:00:00.000Z',
      participants: participants.map((p) => p.id),
      onCallNow: { userId: participants[0]!.id, shiftStart: '2026-01-05T08:00:00.000Z', shiftEnd: '2026-01-12T08:00:00.000Z' },
      createdAt: new Date(clock),
      updatedAt: new Date(clock),
    });
  const schedule = (key: string, rotationId: string, userId: string) =>
    wire(
      scheduleShown({
        id: id('sch'),
        key,
        name: 'Office',
        timeZone: 'Europe/Berlin',
        rules: [
          { days: ['mon', 'tue', 'wed', 'thu', 'fri'], startMinute: 9 * 60, endMinute: 17 * 60, rotationId },
          { days: ['sat', 'sun'], startMinute: 0, endMinute: 0, userId },
        ],
        createdAt: new Date(clock),
        updatedAt: new Date(clock),
      }),
    );

  /** A server with one resource of every kind and probe, and one unkeyed target the file does not manage. */
  function server(): ServerState {
    const ada = user('ada', 'Ada', [
      { kind: 'email', name: 'mail', address: 'ada@example.com' },
      { kind: 'slack', name: 'slack', url: 'https://hooks.slack.com/services/T/B/adasecret' },
    ]);
    const bob = user('bob', 'Bob');
    const hand = user(null, 'Hand');
    const primaryRotation = rotation('primary', [ada, bob]);
    const office = schedule('office', primaryRotation.id, bob.id);
    const slack = channel({ key: 'ops-slack', kind: 'slack', name: 'Ops', url: 'https://hooks.slack.com/services/T/B/secret1' });
    const hook = channel({ key: 'pager', kind: 'webhook', name: 'Pager', url: 'https://pager.example.com/in', signingSecret: `whsec_${'A'.repeat(43)}=` });
    const mail = channel({ key: 'mail', kind: 'email', name: 'Mail', addresses: ['ops@example.com'] });
    const primary = policy('primary', 'Primary', [slack, hook]);
    const night = policy('night', 'Night', [], [office, primaryRotation, bob]);
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
    return {
      users: [ada, bob, hand],
      rotations: [primaryRotation],
      schedules: [office],
      targets: [api, db, dns, beat, loose],
      channels: [slack, hook, mail],
      policies: [primary, night],
      statusPages: [acme],
    };
  }

  const exported = (state: ServerState, format: 'yaml' | 'json' = 'yaml') => renderConfig(observe(state).config, format, ' test');
  const plan = (text: string, state: ServerState, prune = false) => planChanges(loadConfig('vigil.yaml', text, {}).config, observe(state), { prune });
  const summary = (changes: Change[]) =>
    changes.map((c) => `${c.action} ${c.resource} ${c.key}${c.fields.length ? ` ${c.fields.map((f) => f.field).join(',')}` : ''}`);

  it.each(['yaml', 'json'] as const)('plans an exported %s file as no change, secrets left out of it', (format) => {
    const state = server();
    const text = exported(state, format);
    expect(text).not.toMatch(/secret1|whsec_|token|adasecret|onCallNow/);
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

  it('deletes with prune in the order nothing is still referenced: status pages, targets, policies, channels, schedules, rotations, users', () => {
    expect(summary(plan('{}', server(), true).changes)).toEqual([
      'delete statusPage acme',
      'delete target api',
      'delete target db',
      'delete target mx',
      'delete target backup',
      'delete escalationPolicy primary',
      'delete escalationPolicy night',
      'delete channel ops-slack',
      'delete channel pager',
      'delete channel mail',
      'delete schedule office',
      'delete rotation primary',
      'delete user ada',
      'delete user bob',
    ]);
  });

  it('creates users before the rotations and schedules that name them, naming them by key', () => {
    const text = [
      'schedules:',
      '  - key: night-desk',
      '    name: Night desk',
      '    timeZone: UTC',
      '    rules: [{ days: [mon], start: "20:00", end: "08:00", rotation: nights }, { days: [sun], start: "00:00", end: "00:00", user: cy }]',
      'rotations:',
      '  - key: nights',
      '    name: Nights',
      '    timeZone: UTC',
      '    shiftLength: 12',
      '    shiftUnit: hours',
      '    start: 2026-01-05T21:00:00+01:00',
      '    participants: [cy, ada]',
      'users:',
      '  - key: cy',
      '    name: Cy',
      '    email: cy@example.com',
      '    timeZone: UTC',
      '',
    ].join('\n');
    expect(summary(plan(text, server()).changes)).toEqual(['create user cy', 'create rotation nights', 'create schedule night-desk']);
    expect(loadConfig('vigil.yaml', text, {}).config.rotations[0]!.start).toBe('2026-01-05T20:00:00.000Z');
  });

  it('names a rotation’s participants by key: one added and one removed is that one change, one renamed a change to the user alone', () => {
    const state = server();
    const text = exported(state);
    expect(text).toMatch(/participants:\n\s+- ada\n\s+- bob/);
    const withCy = text
      .replace('\nusers:\n', '\nusers:\n  - key: cy\n    name: Cy\n    email: cy@example.com\n    timeZone: UTC\n')
      .replace(/participants:\n\s+- ada\n\s+- bob/, 'participants:\n      - cy\n      - ada');
    expect(plan(withCy, state).changes).toEqual([
      { action: 'create', resource: 'user', key: 'cy', fields: [] },
      {
        action: 'update',
        resource: 'rotation',
        key: 'primary',
        id: state.rotations[0]!.id,
        fields: [{ field: 'participants', from: ['ada', 'bob'], to: ['cy', 'ada'] }],
      },
    ]);
    // Bob stays a user of the file (a schedule rule names him): prune deletes nothing.
    expect(summary(plan(withCy, state, true).changes)).toEqual(['create user cy', 'update rotation primary participants']);
    // A participant renamed is a change to the user alone: the rotation names them by key.
    expect(summary(plan(text.replace('name: Bob\n', 'name: Robert\n'), state).changes)).toEqual(['update user bob name']);
  });

  it('compares a rotation’s start as an instant, however the file writes it', () => {
    const state = server();
    const text = exported(state);
    expect(plan(text.replace(/start: ["']?2026-01-05T08:00:00.000Z["']?/, 'start: 2026-01-05T09:00:00+01:00'), state).changes).toEqual([]);
    expect(summary(plan(text.replace(/start: ["']?2026-01-05T08:00:00.000Z["']?/, 'start: 2026-01-05T09:00:00Z'), state).changes)).toEqual([
      'update rotation primary start',
    ]);
  });

  it('leaves a contact method’s URL out of an export, compares one the file sets with the server’s, and never shows it in the plan', () => {
    const state = server();
    const text = exported(state);
    expect(text).toMatch(/kind: slack\n\s+name: slack\n/);
    const withUrl = (url: string) => text.replace(/kind: slack\n(\s+)name: slack\n/, `kind: slack\n$1name: slack\n$1url: ${url}\n`);
    expect(plan(withUrl('https://hooks.slack.com/services/T/B/adasecret'), state).changes).toEqual([]);
    expect(plan(withUrl('https://hooks.slack.com/services/T/B/rotated'), state).changes).toEqual([
      { action: 'update', resource: 'user', key: 'ada', id: state.users[0]!.id, fields: [{ field: 'contactMethods', secret: true }] },
    ]);
    const renamed = plan(text.replace(/name: mail\n/, 'name: inbox\n').replace('contactMethod: mail', 'contactMethod: inbox'), state).changes;
    expect(renamed).toHaveLength(1);
    expect(JSON.stringify(renamed)).not.toContain('adasecret');
    expect(renamed[0]!.fields.map((f) => f.field)).toEqual(['contactMethods', 'notificationRules']);
  });

  it('refuses a new contact method, or a new user’s, without its URL: the server has none to keep', () => {
    const state = server();
    const text = exported(state).replace(/kind: slack\n(\s+)name: slack\n/, 'kind: webhook\n$1name: slack\n');
    expect(() => plan(text, state)).toThrow(/users\.0\.contactMethods\.1\.url: needed: the server has no webhook contact method "slack" for this user/);
    const newUser = 'users:\n  - key: dee\n    name: Dee\n    email: dee@example.com\n    timeZone: UTC\n    contactMethods: [{ kind: webhook, name: hook }]\n';
    expect(() => plan(newUser, state)).toThrow('users.0.contactMethods.0.url: needed');
  });

  it('refuses an e-mail address another user has, in the file or on the server (keyless included), before anything is sent', () => {
    const state = server();
    const user = (key: string, email: string) => `  - { key: ${key}, name: X, email: ${email}, timeZone: UTC }\n`;
    const faults = (text: string) => {
      try {
        plan(text, state);
      } catch (err) {
        if (err instanceof UnresolvedConfig) return err.errors.map((e) => `${e.path.join('.')}: ${e.message}`);
      }
      throw new Error('the plan was made');
    };
    expect(
      faults(`users:\n${user('cy', 'hand@example.com')}${user('dee', 'bob@example.com')}${user('eve', 'cy@example.com')}${user('fay', 'cy@example.com')}`),
    ).toEqual([
      'users.0.email: a user without a key has this e-mail address on the server: give it this key to manage it',
      'users.1.email: user "bob" has this e-mail address on the server',
      'users.3.email: already the e-mail address of user "eve" in this file',
    ]);
    expect(summary(plan(`users:\n${user('ada', 'ada@example.com')}`, state).changes)).toEqual([
      'update user ada name,timeZone,contactMethods,notificationRules',
    ]);
  });

  it('refuses a rotation or schedule naming users and rotations neither in the file nor on the server', () => {
    const text = [
      'rotations:',
      '  - { key: r, name: R, timeZone: UTC, shiftLength: 1, shiftUnit: days, start: 2026-01-01T00:00:00Z, participants: [ada, zed] }',
      'schedules:',
      '  - key: s',
      '    name: S',
      '    timeZone: UTC',
      '    rules: [{ days: [mon], start: "09:00", end: "17:00", rotation: nope }, { days: [tue], start: "09:00", end: "17:00", user: zed }]',
      '',
    ].join('\n');
    const faults = (prune: boolean) => {
      try {
        plan(text, server(), prune);
      } catch (err) {
        if (err instanceof UnresolvedConfig) return err.errors.map((e) => `${e.path.join('.')}: ${e.message}`);
      }
      throw new Error('the plan was made');
    };
    expect(faults(false)).toEqual([
      'rotations.0.participants.1: no user "zed" in this file or on the server',
      'schedules.0.rules.0.rotation: no rotation "nope" in this file or on the server',
      'schedules.0.rules.1.user: no user "zed" in this file or on the server',
    ]);
    expect(faults(true)[0]).toBe('rotations.0.participants.0: no user "ada" in this file (--prune deletes the server’s others)');
  });

  it('names the people a level pages by key, as it names channels, and plans a change of them', () => {
    const state = server();
    const text = exported(state);
    expect(text).toMatch(/- timeoutSeconds: 300\n\s+users:\n\s+- bob\n\s+schedules:\n\s+- office\n\s+rotations:\n\s+- primary/);
    expect(plan(text, state).changes).toEqual([]);
    const { changes } = plan(text.replace(/(users:\n\s+- )bob/, '$1ada'), state);
    expect(changes).toMatchObject([{ action: 'update', resource: 'escalationPolicy', key: 'night', fields: [{ field: 'levels' }] }]);
    expect(() => plan(text.replace(/(schedules:\n\s+- )office/, '$1weekend'), state)).toThrow(UnresolvedConfig);
    expect(() => loadConfig('vigil.yaml', 'escalationPolicies:\n  - key: empty\n    name: Empty\n    levels: [{ timeoutSeconds: 300 }]\n', {})).toThrow(
      'a level names at least one channel, user, schedule or rotation',
    );
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
