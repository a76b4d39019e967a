import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/cli/config-file';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/output';
import { eventually } from '../support/eventually';
import { useStack } from '../support/stack';

const BIN = path.join(__dirname, '../../bin/vigil.js');

/** `${NAME}` as a configuration file writes it. */
const placeholder = (name: string) => `$\{${name}}`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `vigil` against the real stack (Postgres, Temporal, a worker, the API): spawned as users run it where its exit codes
 * and output are the point, called in-process elsewhere to keep the suite quick.
 */
describe('the vigil command-line client', () => {
  const stack = useStack({ temporal: 'local', worker: true, api: true, site: true });
  let dir: string;
  // Loopback addresses where nothing listens: should an incident open, no notification leaves the machine.
  const secrets = {
    SLACK_URL: 'http://127.0.0.1:9/services/T0/B0/abc123',
    HOOK_SECRET: `whsec_${'k'.repeat(43)}=`,
    ADA_SLACK_URL: 'http://127.0.0.1:9/services/T0/B1/ada456',
  };
  const env = () => ({ VIGIL_URL: stack.api.url, VIGIL_KEY: stack.api.adminKey, ...secrets });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-cli-'));
  });

  /** The command run in this process, its output captured. */
  async function vigil(argv: string[], extraEnv: Record<string, string | undefined> = {}): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      env: { ...env(), ...extraEnv },
      readFile: (p) => readFile(p, 'utf8'),
      writeFile: (p, t) => writeFile(p, t),
    };
    const code = await main(argv, io);
    return { code, stdout, stderr };
  }

  /** The command as a user runs it: the bin, in a process of its own (asynchronously: the API answers from this one). */
  function spawnVigil(argv: string[], extraEnv: Record<string, string | undefined> = {}): Promise<Run> {
    return new Promise((resolve) => {
      const childEnv: Record<string, string | undefined> = { ...process.env, ...env(), ...extraEnv, NO_COLOR: '1' };
      for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
      execFile(process.execPath, [BIN, ...argv], { env: childEnv as NodeJS.ProcessEnv, timeout: 120_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
  }

  const file = async (name: string, text: string) => {
    const at = path.join(dir, name);
    await writeFile(at, text);
    return at;
  };

  /** What the server holds, in short: to show that a refused file changed nothing. */
  const serverSnapshot = async () => {
    const list = async (p: string) =>
      (await stack.api.request().get(`${p}?limit=200`).expect(200)).body.data.map((r: { id: string; version?: number }) => `${r.id}@${r.version ?? ''}`);
    return {
      users: await list('/v1/users'),
      rotations: await list('/v1/rotations'),
      schedules: await list('/v1/schedules'),
      targets: await list('/v1/targets'),
      channels: await list('/v1/channels'),
      policies: await list('/v1/escalation-policies'),
      pages: await list('/v1/status-pages'),
    };
  };

  /** The file: 200 targets, 3 channels (two secrets from the environment), 2 policies and a status page. */
  const configFile = (site: string, targets = 200) => {
    const lines = [
      `# yaml-language-server: $schema=${stack.api.url}/v1/config/schema`,
      'channels:',
      '  - key: ops-slack',
      '    kind: slack',
      '    name: Ops on Slack',
      `    url: ${placeholder('SLACK_URL')}`,
      '  - key: pager',
      '    kind: webhook',
      '    name: Pager',
      '    url: http://127.0.0.1:9/pager',
      `    signingSecret: ${placeholder('HOOK_SECRET')}`,
      '  - key: ops-mail',
      '    kind: email',
      '    name: Ops by e-mail',
      '    addresses: [ops@example.com]',
      'escalationPolicies:',
      '  - key: primary',
      '    name: Primary',
      '    repeat: 1',
      '    levels:',
      '      - timeoutSeconds: 300',
      '        channels: [ops-slack, pager]',
      '      - timeoutSeconds: 900',
      '        channels: [ops-mail]',
      '  - key: quiet',
      '    name: Quiet hours',
      '    levels:',
      '      - timeoutSeconds: 600',
      '        channels: [ops-mail]',
      'targets:',
    ];
    for (let i = 0; i < targets; i++) {
      lines.push(`  - key: site-${i}`, `    name: Site ${i}`, `    url: ${site}/health?n=${i}`, '    intervalSeconds: 300', `    tags: [shard-${i % 4}]`);
      if (i % 2 === 0) lines.push(`    escalationPolicy: ${i % 4 === 0 ? 'primary' : 'quiet'}`);
    }
    lines.push(
      'statusPages:',
      '  - slug: acme',
      '    title: Acme status',
      '    targets:',
      '      - target: site-0',
      '        displayName: Shop',
      '      - target: site-1',
    );
    return `${lines.join('\n')}\n`;
  };

  it('applies the issue’s file, plans it again as nothing to do, plans and applies exactly one changed interval and one deleted target, and exports the same configuration', async () => {
    const text = configFile(stack.site.url);
    const vigilYaml = await file('vigil.yaml', text);

    const applied = await spawnVigil(['apply', '-f', vigilYaml]);
    expect(applied).toMatchObject({ code: 0 });
    expect(applied.stdout).toContain('Plan: 206 to create, 0 to update, 0 to delete.');
    expect((await stack.api.request().get('/v1/targets?key=site-0').expect(200)).body.data[0]).toMatchObject({ name: 'Site 0', intervalSeconds: 300 });
    const page = (await stack.api.request().get('/v1/status-pages').expect(200)).body.data[0];
    expect(page.targets.map((t: { name: string; displayName: string | null }) => [t.name, t.displayName])).toEqual([
      ['Site 0', 'Shop'],
      ['Site 1', null],
    ]);

    const again = await spawnVigil(['plan', '-f', vigilYaml]);
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toContain('No changes: the server matches the file.');
    expect((await spawnVigil(['apply', '-f', vigilYaml])).stdout).toContain('No changes');

    const changed = text
      .replace(/( {2}- key: site-7\n(?: {4}.*\n)*? {4}intervalSeconds: )300/, '$160')
      .replace(/ {2}- key: site-9\n(?: {4}.*\n)+?(?= {2}- key)/, '');
    const changedYaml = await file('changed.yaml', changed);
    const plan = await spawnVigil(['plan', '-f', changedYaml, '--prune', '--output', 'json']);
    expect(plan.code).toBe(2);
    const planned = JSON.parse(plan.stdout) as { changes: { action: string; key: string; fields: unknown[] }[] };
    expect(planned.changes.map(({ action, key, fields }) => ({ action, key, fields }))).toEqual([
      { action: 'update', key: 'site-7', fields: [{ field: 'intervalSeconds', from: 300, to: 60 }] },
      { action: 'delete', key: 'site-9', fields: [] },
    ]);
    // Without --prune the dropped target stays.
    expect(JSON.parse((await vigil(['plan', '-f', changedYaml, '-o', 'json'])).stdout).changes).toHaveLength(1);

    expect(await vigil(['apply', '-f', changedYaml, '--prune'])).toMatchObject({ code: 0 });
    expect((await stack.api.request().get('/v1/targets?key=site-7').expect(200)).body.data[0].intervalSeconds).toBe(60);
    expect((await stack.api.request().get('/v1/targets?key=site-9').expect(200)).body.data).toEqual([]);
    expect((await vigil(['plan', '-f', changedYaml, '--prune'])).code).toBe(0);

    const exportedPath = path.join(dir, 'exported.yaml');
    expect(await vigil(['export', '-f', exportedPath])).toMatchObject({ code: 0 });
    const exported = await readFile(exportedPath, 'utf8');
    expect(exported).not.toContain(secrets.SLACK_URL);
    expect(exported).not.toContain(secrets.HOOK_SECRET);
    expect((await vigil(['plan', '-f', exportedPath, '--prune'])).code).toBe(0);
    // The export is the file, but for the secrets it leaves out and the order of its entries.
    const normalized = (yaml: string) => {
      const { config } = loadConfig('f', yaml, secrets);
      const byKey = <T extends { key?: string; slug?: string }>(list: T[]) =>
        [...list].sort((a, b) => String(a.key ?? a.slug).localeCompare(String(b.key ?? b.slug)));
      // Secrets (a Slack or webhook URL carries a token, and a signing secret) are never exported.
      const channels = config.channels.map(({ url: _url, signingSecret: _secret, ...rest }) => rest);
      return {
        ...config,
        targets: byKey(config.targets),
        channels: byKey(channels),
        escalationPolicies: byKey(config.escalationPolicies),
        statusPages: byKey(config.statusPages),
      };
    };
    expect(normalized(exported)).toEqual(normalized(changed));
  }, 300_000);

  describe('refuses an invalid file whole, saying where each fault is, exits non-zero and changes nothing', () => {
    const base = (extra: string) => `targets:\n  - key: ok-target\n    name: Fine\n    url: https://fine.example.com\n    intervalSeconds: 60\n${extra}`;

    it.each([
      ['bad YAML syntax', base('  - key: [unclosed\n'), /^ {2}\S*\/bad\.yaml:7:1: /m],
      ['an unknown field', base('    intervalSecs: 30\n'), /^ {2}\S*\/bad\.yaml:6:5: targets\.0\.intervalSecs: unknown field$/m],
      ['a wrong type', base('    downAfter: three\n'), /^ {2}\S*\/bad\.yaml:6:16: targets\.0\.downAfter: Invalid input: expected number, received string$/m],
      [
        'a duplicate key',
        base('  - key: ok-target\n    name: Twin\n    url: https://twin.example.com\n    intervalSeconds: 60\n'),
        /^ {2}\S*\/bad\.yaml:6:10: targets\.1\.key: "ok-target" is already the key of targets\.0$/m,
      ],
      [
        'an unresolved reference',
        `escalationPolicies:\n  - key: p\n    name: P\n    levels:\n      - timeoutSeconds: 300\n        channels: [nowhere]\n${base('')}`,
        /^ {2}\S*\/bad\.yaml:6:20: escalationPolicies\.0\.levels\.0\.channels\.0: no channel "nowhere" in this file or on the server$/m,
      ],
      [
        'a rotation naming a user that is nowhere',
        `rotations:\n  - key: r\n    name: R\n    timeZone: UTC\n    shiftLength: 1\n    shiftUnit: days\n    start: 2026-01-01T00:00:00Z\n    participants: [ghost]\n${base('')}`,
        /^ {2}\S*\/bad\.yaml:8:20: rotations\.0\.participants\.0: no user "ghost" in this file or on the server$/m,
      ],
      [
        'an unset environment variable',
        base(`    headers:\n      Authorization: Bearer ${placeholder('API_TOKEN')}\n`),
        /^ {2}\S*\/bad\.yaml:7:22: targets\.0\.headers\.Authorization: the environment variable API_TOKEN is not set$/m,
      ],
    ])('%s', async (_what, text, expected) => {
      const before = await serverSnapshot();
      const bad = await file('bad.yaml', text);
      for (const command of ['plan', 'apply']) {
        const run = await vigil([command, '-f', bad]);
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(/^vigil (plan|apply): the file is invalid; nothing was changed$/m);
        expect(run.stderr).toMatch(expected);
      }
      expect(await serverSnapshot()).toEqual(before);
    });

    it('exits 1 from the spawned command too, with the message on stderr and JSON on stdout when asked', async () => {
      const bad = await file('unset.yaml', `channels:\n  - key: s\n    kind: slack\n    name: S\n    url: ${placeholder('UNSET_SLACK_URL')}\n`);
      const run = await spawnVigil(['apply', '-f', bad, '--output', 'json']);
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toEqual({
        errors: ['unset.yaml:5:10: channels.0.url: the environment variable UNSET_SLACK_URL is not set'.replace('unset.yaml', bad)],
      });
    });
  });

  it('fails with 1, saying why, when the key is refused or the server cannot be reached', async () => {
    const plain = await file('plain.yaml', 'targets: []\n');
    const refused = await vigil(['plan', '-f', plain, '--key', 'vigil_not-a-key']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^vigil plan: GET \/v1\/\S+: 401 /m);
    const nowhere = await vigil(['status', '--url', 'http://127.0.0.1:9']);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(/^vigil status: GET \/v1\/\S+: cannot reach http:\/\/127\.0\.0\.1:9 /m);
  }, 30_000);

  it('answers usage errors with 64 and --help with 0, for every command', async () => {
    expect((await spawnVigil(['plan'])).code).toBe(64);
    expect((await spawnVigil(['plan', '-f', 'x', '--bogus'])).code).toBe(64);
    expect((await vigil(['nothing'])).code).toBe(64);
    for (const command of [
      'plan',
      'apply',
      'export',
      'schema',
      'status',
      'targets list',
      'targets get',
      'targets pause',
      'targets resume',
      'targets check-now',
      'incidents list',
      'incidents ack',
      'incidents resolve',
      'incidents note',
    ]) {
      const run = await vigil([...command.split(' '), '--help']);
      expect(run).toMatchObject({ code: 0, stdout: expect.stringContaining(`Usage: vigil ${command}`) });
    }
  });

  it('finishes a half-way failed apply when run again: each resource as it was or as the file says', async () => {
    const text = (interval: number) =>
      `${['targets:', ...Array.from({ length: 6 }, (_, i) => `  - key: half-${i}\n    name: Half ${i}\n    url: ${stack.site.url}/half/${i}\n    intervalSeconds: ${interval}`)].join('\n')}\n`;
    expect(await vigil(['apply', '-f', await file('half-before.yaml', text(300))])).toMatchObject({ code: 0 });
    const halfYaml = await file('half.yaml', text(60));
    // A proxy that lets three writes through, then answers every other with a 500: the API failing half-way.
    let writes = 0;
    const proxy = http.createServer((req, res) => {
      const write = req.method !== 'GET';
      if (write && ++writes > 3) return void res.writeHead(500, { 'content-type': 'application/problem+json' }).end('{"title":"down"}');
      const upstream = http.request(new URL(req.url!, stack.api.url), { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const first = await vigil(['apply', '-f', halfYaml, '--url', url]);
      expect(first.code).toBe(1);
      expect(first.stderr).toMatch(/^vigil apply: PATCH \/v1\/targets\/tgt_\w+: 500 down$/m);
      const intervals = async () =>
        Promise.all(
          Array.from({ length: 6 }, async (_, i) => (await stack.api.request().get(`/v1/targets?key=half-${i}`).expect(200)).body.data[0].intervalSeconds),
        );
      const halfWay = await intervals();
      expect(halfWay.filter((s) => s === 60)).toHaveLength(3);
      expect(halfWay.filter((s) => s === 300)).toHaveLength(3);
      expect(JSON.parse((await vigil(['plan', '-f', halfYaml, '-o', 'json'])).stdout).summary).toEqual({ create: 0, update: 3, delete: 0 });

      expect(await vigil(['apply', '-f', halfYaml])).toMatchObject({ code: 0 });
      expect(await intervals()).toEqual([60, 60, 60, 60, 60, 60]);
      expect((await vigil(['plan', '-f', halfYaml])).code).toBe(0);
    } finally {
      proxy.close();
    }
  }, 120_000);

  it('waits as the server asks (503 + Retry-After) and sends the same bulk create again, with the same Idempotency-Key', async () => {
    const text = [
      'targets:',
      ...Array.from({ length: 3 }, (_, i) => `  - key: busy-${i}\n    name: Busy ${i}\n    url: ${stack.site.url}/busy/${i}\n    intervalSeconds: 300`),
    ].join('\n');
    const busyYaml = await file('busy.yaml', `${text}\n`);
    const keys: string[] = [];
    const proxy = http.createServer((req, res) => {
      if (req.url === '/v1/targets/bulk') {
        keys.push(String(req.headers['idempotency-key']));
        if (keys.length === 1)
          return void res
            .writeHead(503, { 'retry-after': '1', 'content-type': 'application/problem+json' })
            .end('{"type":"https://vigil.dev/problems/temporal-busy"}');
      }
      const upstream = http.request(new URL(req.url!, stack.api.url), { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const run = await vigil(['apply', '-f', busyYaml, '--url', `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`]);
      expect(run.code).toBe(0);
      expect(keys).toHaveLength(2);
      expect(keys[1]).toBe(keys[0]);
      expect(keys[0]).toMatch(/^vigil-apply-/);
      for (let i = 0; i < 3; i++) expect((await stack.api.request().get(`/v1/targets?key=busy-${i}`).expect(200)).body.data).toHaveLength(1);
    } finally {
      proxy.close();
    }
  }, 60_000);

  it('lists, shows, pauses, resumes and checks targets by key, and says what is down', async () => {
    stack.site.behave({ status: 200 });
    const created = await stack.api
      .request()
      .post('/v1/targets')
      .send({ key: 'everyday', name: 'Everyday', url: `${stack.site.url}/everyday`, intervalSeconds: 300 })
      .expect(201);
    const listed = await spawnVigil(['targets', 'list', '--tag', 'shard-1']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+KEY\s+NAME\s+KIND\s+EVERY\s+STATE/);
    expect(listed.stdout).not.toContain('\u001b[');

    const got = JSON.parse((await vigil(['targets', 'get', 'everyday', '-o', 'json'])).stdout);
    expect(got).toMatchObject({ id: created.body.id, key: 'everyday' });
    expect((await vigil(['targets', 'pause', 'everyday'])).stdout).toBe(`${created.body.id}: paused\n`);
    expect((await stack.api.request().get(`/v1/targets/${created.body.id}`).expect(200)).body.paused).toBe(true);
    expect((await vigil(['targets', 'resume', created.body.id])).code).toBe(0);
    expect((await stack.api.request().get(`/v1/targets/${created.body.id}`).expect(200)).body.paused).toBe(false);
    expect((await vigil(['targets', 'check-now', 'everyday'])).stdout).toMatch(new RegExp(`^${created.body.id}: up in \\d+ ms\\n$`));
    expect(await vigil(['targets', 'get', 'no-such-key'])).toMatchObject({ code: 1, stderr: 'vigil targets get: no target with the key "no-such-key"\n' });
  }, 60_000);

  it('says what is down, and acknowledges, annotates and resolves its incident', async () => {
    // A port where nothing listens: down at its first probe, an incident without a policy (nobody is paged).
    const broken = await stack.api
      .request()
      .post('/v1/targets')
      .send({ key: 'broken', kind: 'tcp', name: 'Broken', host: '127.0.0.1', port: 9, intervalSeconds: 1, downAfter: 1 })
      .expect(201);
    const incident = await eventually(async () => {
      const open = JSON.parse((await vigil(['incidents', 'list', '-o', 'json'])).stdout) as { id: string; targetId: string }[];
      const found = open.find((i) => i.targetId === broken.body.id);
      expect(found).toBeDefined();
      return found!;
    });
    const status = await spawnVigil(['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^\d+ down, \d+ degraded$/m);
    expect(status.stdout).toContain('Broken');
    expect(status.stdout).toContain(incident.id);

    expect((await vigil(['incidents', 'ack', incident.id])).stdout).toBe(`${incident.id}: acknowledged\n`);
    expect((await vigil(['incidents', 'note', incident.id, 'looking', 'at', 'it'])).code).toBe(0);
    expect((await vigil(['incidents', 'resolve', incident.id, 'fixed'])).stdout).toBe(`${incident.id}: resolved\n`);
    const detail = (await stack.api.request().get(`/v1/incidents/${incident.id}`).expect(200)).body;
    expect(detail.timeline.map((e: { message: string }) => e.message)).toEqual(expect.arrayContaining(['looking at it']));
    await stack.api.request().delete(`/v1/targets/${broken.body.id}`).expect(204);
  }, 60_000);

  it('applies users, a rotation, a schedule and a policy paging them, plans them again as nothing, shows exactly a renamed and a removed participant, keeps who is on call, and exports the same', async () => {
    const text = [
      'users:',
      '  - key: ada',
      '    name: Ada',
      '    email: ada@example.com',
      '    timeZone: Europe/Berlin',
      '    contactMethods:',
      '      - { kind: email, name: mail, address: ada@example.com }',
      `      - { kind: slack, name: slack, url: "${placeholder('ADA_SLACK_URL')}" }`,
      '    notificationRules: [{ contactMethod: mail, afterMinutes: 0 }, { contactMethod: slack, afterMinutes: 5 }]',
      '  - key: bob',
      '    name: Bob',
      '    email: bob@example.com',
      '    timeZone: Europe/London',
      'rotations:',
      '  - key: primary',
      '    name: Primary',
      '    timeZone: Europe/Berlin',
      '    shiftLength: 1',
      '    shiftUnit: weeks',
      '    start: 2026-01-05T09:00:00+01:00',
      '    participants: [ada, bob]',
      'schedules:',
      '  - key: office',
      '    name: Office',
      '    timeZone: Europe/Berlin',
      '    rules:',
      '      - { days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00", rotation: primary }',
      '      - { days: [sat, sun], start: "00:00", end: "00:00", user: bob }',
      'escalationPolicies:',
      '  - key: office-hours',
      '    name: Office hours',
      '    levels:',
      '      - { timeoutSeconds: 300, schedules: [office] }',
      '      - { timeoutSeconds: 600, users: [ada], rotations: [primary] }',
      '',
    ].join('\n');
    const onCallYaml = await file('on-call.yaml', text);
    const applied = await vigil(['apply', '-f', onCallYaml]);
    expect(applied).toMatchObject({ code: 0 });
    expect(applied.stdout).toContain('Plan: 5 to create, 0 to update, 0 to delete.');
    const byKey = async (path: string, key: string) => (await stack.api.request().get(`${path}?key=${key}`).expect(200)).body.data[0];
    const [ada, bob] = [await byKey('/v1/users', 'ada'), await byKey('/v1/users', 'bob')];
    expect(ada.contactMethods).toContainEqual({ kind: 'slack', name: 'slack', url: secrets.ADA_SLACK_URL });
    const rotation = await byKey('/v1/rotations', 'primary');
    expect(rotation).toMatchObject({ participants: [ada.id, bob.id], start: '2026-01-05T08:00:00.000Z' });
    expect((await byKey('/v1/schedules', 'office')).rules.map((r: { rotationId?: string; userId?: string }) => r.rotationId ?? r.userId)).toEqual([
      rotation.id,
      bob.id,
    ]);
    // The policy's levels page the people the file names by key.
    const levels = (await byKey('/v1/escalation-policies', 'office-hours')).levels.map((l: { people: { kind: string; id: string }[] }) => l.people);
    expect(levels).toEqual([
      [{ kind: 'schedule', id: (await byKey('/v1/schedules', 'office')).id, name: 'Office' }],
      [
        { kind: 'user', id: ada.id, name: 'Ada' },
        { kind: 'rotation', id: rotation.id, name: 'Primary' },
      ],
    ]);
    expect((await vigil(['plan', '-f', onCallYaml])).stdout).toContain('No changes: the server matches the file.');
    expect((await vigil(['apply', '-f', onCallYaml])).stdout).toContain('No changes');

    const changes = async (yaml: string) => {
      const run = await vigil(['plan', '-f', await file('on-call-changed.yaml', yaml), '-o', 'json']);
      expect(run.code).toBe(2);
      return (JSON.parse(run.stdout) as { changes: { action: string; resource: string; key: string; fields: unknown[] }[] }).changes.map(
        ({ action, resource, key, fields }) => ({ action, resource, key, fields }),
      );
    };
    // A participant renamed: the user changes, the rotation (which names them by key) does not.
    const renamed = text.replace('name: Bob\n', 'name: Robert\n');
    expect(await changes(renamed)).toEqual([{ action: 'update', resource: 'user', key: 'bob', fields: [{ field: 'name', from: 'Bob', to: 'Robert' }] }]);
    const onCallBefore = rotation.onCallNow.userId;
    expect(await vigil(['apply', '-f', await file('on-call-changed.yaml', renamed)])).toMatchObject({ code: 0 });
    expect((await byKey('/v1/rotations', 'primary')).onCallNow.userId).toBe(onCallBefore);

    // A participant removed: exactly that change; whoever is on call stays, or if it was Bob, Ada (who comes after him) takes over.
    const removed = renamed.replace('participants: [ada, bob]', 'participants: [ada]');
    expect(await changes(removed)).toEqual([
      { action: 'update', resource: 'rotation', key: 'primary', fields: [{ field: 'participants', from: ['ada', 'bob'], to: ['ada'] }] },
    ]);
    expect(await vigil(['apply', '-f', await file('on-call-changed.yaml', removed)])).toMatchObject({ code: 0 });
    expect(await byKey('/v1/rotations', 'primary')).toMatchObject({ participants: [ada.id], onCallNow: { userId: ada.id } });
    expect((await vigil(['plan', '-f', await file('on-call-changed.yaml', removed)])).code).toBe(0);
    // The URL the file left to the server is kept.
    expect((await byKey('/v1/users', 'ada')).contactMethods).toContainEqual({ kind: 'slack', name: 'slack', url: secrets.ADA_SLACK_URL });

    const exportedPath = path.join(dir, 'on-call-exported.yaml');
    expect(await vigil(['export', '-f', exportedPath])).toMatchObject({ code: 0 });
    const exported = await readFile(exportedPath, 'utf8');
    expect(exported).not.toContain(secrets.ADA_SLACK_URL);
    expect(exported).not.toMatch(/onCallNow|overrides/);
    // The export's on-call sections are the file's, but for the contact method URL it leaves out.
    const onCall = (yaml: string) => {
      const { users, rotations, schedules, escalationPolicies } = loadConfig('f', yaml, secrets).config;
      const withoutUrls = users.map((u) => ({ ...u, contactMethods: u.contactMethods.map(({ url: _url, ...m }) => m) }));
      // The suite's earlier tests left policies of their own on the server: this file's alone.
      return { users: withoutUrls, rotations, schedules, escalationPolicies: escalationPolicies.filter((p) => p.key === 'office-hours') };
    };
    expect(onCall(exported)).toEqual(onCall(removed));
  }, 120_000);
});
