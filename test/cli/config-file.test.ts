import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatFileError, InvalidConfigFile, loadConfig } from '../../src/cli/config-file';

/** Reading a configuration file: every fault refused with its file, line and column, before the server is asked anything. */
describe('the configuration file', () => {
  const faults = (text: string, env: Record<string, string> = {}): string[] => {
    try {
      loadConfig('vigil.yaml', text, env);
    } catch (err) {
      if (err instanceof InvalidConfigFile) return err.errors.map(formatFileError);
      throw err;
    }
    throw new Error('the file was accepted');
  };

  const valid = `
channels:
  - key: ops
    kind: slack
    name: Ops
    url: \${SLACK_URL}
escalationPolicies:
  - key: primary
    name: Primary
    levels:
      - timeoutSeconds: 300
        channels: [ops]
targets:
  - key: api
    name: API
    url: https://api.example.com/health
    intervalSeconds: 30
    escalationPolicy: primary
  - key: db
    name: Database
    kind: tcp
    host: db.example.com
    port: 5432
    intervalSeconds: 60
statusPages:
  - slug: acme
    title: Acme
    targets:
      - target: api
        displayName: Public API
`;

  it('reads every kind of entry, filling in defaults as the API does, and values from the environment', () => {
    const { config } = loadConfig('vigil.yaml', valid, { SLACK_URL: 'https://hooks.slack.com/services/T/B/x' });
    expect(config.channels).toEqual([{ key: 'ops', kind: 'slack', name: 'Ops', url: 'https://hooks.slack.com/services/T/B/x' }]);
    expect(config.escalationPolicies[0]).toEqual({
      key: 'primary',
      name: 'Primary',
      description: '',
      repeat: 0,
      levels: [{ timeoutSeconds: 300, channels: ['ops'], users: [], schedules: [], rotations: [] }],
    });
    expect(config.targets[0]).toMatchObject({ key: 'api', kind: 'http', method: 'GET', downAfter: 2, escalationPolicy: 'primary' });
    expect(config.targets[1]).toMatchObject({ key: 'db', kind: 'tcp', port: 5432, escalationPolicy: null });
    expect(config.statusPages).toEqual([
      { slug: 'acme', title: 'Acme', description: '', logoUrl: null, links: [], targets: [{ target: 'api', displayName: 'Public API' }] },
    ]);
  });

  it('reads the same file written as JSON the same way', () => {
    const yaml = loadConfig('vigil.yaml', valid, { SLACK_URL: 'https://hooks.example.com/x' }).config;
    const json = loadConfig('vigil.json', JSON.stringify(yaml), {}).config;
    expect(json).toEqual(yaml);
  });

  it('writes a literal ${ for $${', () => {
    const { config } = loadConfig('vigil.yaml', 'targets: [{ key: a, name: "cost $${HOME}", url: "https://a.example", intervalSeconds: 60 }]', {});
    expect(config.targets[0]!.name).toBe(`cost $${'{'}HOME}`);
  });

  it('refuses bad YAML syntax, saying where', () => {
    expect(faults('targets:\n  - key: a\n    name: [unclosed\n')).toEqual([expect.stringMatching(/^vigil\.yaml:4:1: /)]);
  });

  it('refuses an unknown field, pointing at it', () => {
    expect(faults('targets:\n  - key: a\n    name: A\n    url: https://a.example\n    intervalSeconds: 60\n    intervalSecs: 30\n')).toEqual([
      'vigil.yaml:6:5: targets.0.intervalSecs: unknown field',
    ]);
  });

  it('refuses a wrong type, pointing at the value, and names every fault at once', () => {
    expect(
      faults(
        'targets:\n  - key: a\n    name: A\n    url: https://a.example\n    intervalSeconds: often\nchannels:\n  - key: c\n    kind: email\n    name: C\n    addresses: nobody\n',
      ),
    ).toEqual([
      'vigil.yaml:5:22: targets.0.intervalSeconds: Invalid input: expected number, received string',
      'vigil.yaml:10:16: channels.0.addresses: Invalid input: expected array, received string',
    ]);
  });

  it('refuses an entry without a required field, pointing at the entry', () => {
    expect(faults('targets:\n  - key: a\n    url: https://a.example\n    intervalSeconds: 60\n')).toEqual([
      'vigil.yaml:2:5: targets.0.name: Invalid input: expected string, received undefined (in this entry)',
    ]);
  });

  it('refuses two entries with the same key, pointing at the second', () => {
    const text =
      'targets:\n  - key: a\n    name: A\n    url: https://a.example\n    intervalSeconds: 60\n  - key: a\n    name: B\n    url: https://b.example\n    intervalSeconds: 60\n';
    expect(faults(text)).toEqual(['vigil.yaml:6:10: targets.1.key: "a" is already the key of targets.0']);
  });

  it('refuses two status pages with the same slug', () => {
    expect(faults('statusPages:\n  - slug: acme\n    title: A\n  - slug: acme\n    title: B\n')).toEqual([
      'vigil.yaml:4:11: statusPages.1.slug: "acme" is already the slug of statusPages.0',
    ]);
  });

  it('refuses two users with the same key, and a schedule rule naming both a rotation and a user', () => {
    const user = (key: string, email: string) => `  - { key: ${key}, name: X, email: ${email}, timeZone: UTC }\n`;
    expect(faults(`users:\n${user('ada', 'a@example.com')}${user('ada', 'b@example.com')}`)).toEqual([
      'vigil.yaml:3:12: users.1.key: "ada" is already the key of users.0',
    ]);
    const schedule =
      'schedules:\n  - key: s\n    name: S\n    timeZone: UTC\n    rules:\n      - { days: [mon], start: "09:00", end: "17:00", rotation: r, user: u }\n';
    expect(faults(schedule)).toEqual(['vigil.yaml:6:67: schedules.0.rules.0.user: unknown field']);
  });

  it('refuses an unset environment variable, naming it and where it is used', () => {
    expect(faults(valid)).toEqual(['vigil.yaml:6:10: channels.0.url: the environment variable SLACK_URL is not set']);
  });

  it('refuses a key that two YAML mappings repeat', () => {
    expect(faults('targets: []\ntargets: []\n')).toEqual([expect.stringMatching(/^vigil\.yaml:2:1: Map keys must be unique/)]);
  });

  it('takes the README’s example as it is written there', () => {
    const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration as code'));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const { config } = loadConfig('README.md', example, {
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x',
      ADA_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/y',
    });
    expect([config.channels.length, config.escalationPolicies.length, config.targets.length, config.statusPages.length]).toEqual([2, 1, 3, 1]);
    expect(config.rotations[0]!.participants).toEqual(config.users.map((u) => u.key));
    expect(config.schedules[0]!.rules.map((r) => ('rotation' in r ? r.rotation : r.user))).toEqual(['primary', 'grace']);
  });
});
