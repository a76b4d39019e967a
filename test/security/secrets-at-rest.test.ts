import type { Client } from '@temporalio/client';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { SlotProber } from '../../src/activities/checks';
import { parseCodecKeys } from '../../src/codec/keys';
import { SecretBox, SecretDecryptionError, sealedKeyId } from '../../src/codec/secrets';
import { encryptionKeys, loadConfig } from '../../src/config';
import type { RunChecksInput } from '../../src/contracts/probes';
import { insertChannel, readChannel, resealChannels } from '../../src/db/escalation';
import { resealTargetHeaders } from '../../src/db/targets';
import { newId } from '../../src/ids';
import { WorkerLease } from '../../src/worker/leases';
import { TEST_CODEC_KEYS_ENV, testSecrets } from '../support/codec';
import { eventually } from '../support/eventually';
import { startVigilProcess } from '../support/process';
import { useStack } from '../support/stack';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');
const TOKEN = 'Bearer probe-token-do-not-leak-7f3a9c';
const SLACK_URL = 'https://hooks.slack.com/services/T0001/B0002/slack-token-do-not-leak';

describe('sealing secrets (AES-256-GCM with the payload keys)', () => {
  const oldOnly = new SecretBox(parseCodecKeys(`old:${key(1)}`));
  const rotated = new SecretBox(parseCodecKeys(`new:${key(2)},old:${key(1)}`));
  const newOnly = new SecretBox(parseCodecKeys(`new:${key(2)}`));

  it('seals a value so that nothing of it shows, a fresh IV each time, naming only its key', () => {
    const sealed = rotated.seal(TOKEN, 'probe-headers');
    expect(sealed).toMatch(/^vigil:sealed:v1:new:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('do-not-leak');
    expect(rotated.seal(TOKEN, 'probe-headers')).not.toBe(sealed);
    expect(rotated.open(sealed, 'probe-headers')).toBe(TOKEN);
  });

  it('after a new key is put first, opens what the old one sealed, and seals with the new one', () => {
    const underOld = oldOnly.seal(TOKEN, 'channel');
    expect(rotated.open(underOld, 'channel')).toBe(TOKEN);
    expect(rotated.isCurrent(underOld)).toBe(false);
    expect(sealedKeyId(rotated.seal(TOKEN, 'channel'))).toBe('new');
    expect(() => newOnly.open(underOld, 'channel')).toThrow('a secret sealed with key "old", which is not among VIGIL_CODEC_KEYS');
  });

  it('refuses a sealed value that was altered, or moved to another use', () => {
    const sealed = rotated.seal(TOKEN, 'channel');
    const last = sealed.at(-2) === 'A' ? 'B' : 'A';
    expect(() => rotated.open(`${sealed.slice(0, -2)}${last}${sealed.at(-1)}`, 'channel')).toThrow(SecretDecryptionError);
    expect(() => rotated.open(sealed, 'probe-headers')).toThrow('fails authentication with key "new"');
  });

  it('reads a value stored in clear (written before sealing existed) as it is, and counts it as due for sealing', () => {
    expect(rotated.open(SLACK_URL, 'channel')).toBe(SLACK_URL);
    expect(rotated.isCurrent(SLACK_URL)).toBe(false);
  });

  it('is required of the API and the workers: without keys they refuse to start, unless told VIGIL_CODEC_KEYS=none', () => {
    expect(() => encryptionKeys(loadConfig({}))).toThrow(/VIGIL_CODEC_KEYS is not set.*VIGIL_CODEC_KEYS=none/);
    expect(encryptionKeys(loadConfig({ VIGIL_CODEC_KEYS: 'none' }))).toBeUndefined();
    expect(encryptionKeys(loadConfig(TEST_CODEC_KEYS_ENV))?.activeKeyId).toBe('test-new');
    expect(new SecretBox(undefined).seal(TOKEN, 'channel')).toBe(TOKEN);
  });
});

// First: the suite with Temporal installs its runtime, which worker leases use.
describe('probe headers at rest', () => {
  const stack = useStack({ temporal: 'local', worker: true, api: true, webhooks: true });

  it('seals them in the target row and the probe window, shows them never, and sends them in clear to the target only', async () => {
    const created = await stack.api
      .request()
      .post('/v1/targets')
      .send({ name: 'with token', url: `${stack.webhooks.url}/probed`, intervalSeconds: 1, headers: { Authorization: TOKEN, Accept: 'text/plain' } })
      .expect(201);
    expect(created.body.headers).toEqual({ Authorization: '(secret)', Accept: '(secret)' });
    await eventually(() => expect(stack.webhooks.requests.filter((r) => r.path === '/probed').length).toBeGreaterThan(0), 20_000);
    expect(stack.webhooks.requests.find((r) => r.path === '/probed')!.headers.authorization).toBe(TOKEN);

    const target = await stack.db.pool.query('SELECT spec::text FROM targets WHERE id = $1', [created.body.id]);
    expect(target.rows[0].spec).not.toContain('do-not-leak');
    expect(target.rows[0].spec).toContain('vigil:sealed:v1:test-new:');
    const windows = await eventually(async () => {
      const { rows } = await stack.db.pool.query('SELECT input::text FROM probe_windows WHERE target_id = $1', [created.body.id]);
      expect(rows.length).toBeGreaterThan(0);
      return rows;
    }, 20_000);
    for (const w of windows) expect(w.input).not.toContain('do-not-leak');
    const read = await stack.api.request().get(`/v1/targets/${created.body.id}`).expect(200);
    expect(JSON.stringify(read.body)).not.toContain('do-not-leak');
  });
});

describe('secrets in PostgreSQL', () => {
  const stack = useStack({ api: true });
  const configOf = async (id: string): Promise<string> => (await stack.db.pool.query('SELECT config::text FROM channels WHERE id = $1', [id])).rows[0].config;
  /** The suite's keys with the old one active: what sealed rows before the rotation. */
  const beforeRotation = new SecretBox(parseCodecKeys(TEST_CODEC_KEYS_ENV.VIGIL_CODEC_KEYS, 'test-old'));
  /** After the old key is dropped: only what was resealed still opens. */
  const afterRotation = new SecretBox(parseCodecKeys(`test-new:${TEST_CODEC_KEYS_ENV.VIGIL_CODEC_KEYS.split(',test-new:')[1]}`));

  it('stores a channel with its URL and signing secret sealed, shows them whole once, then only hints', async () => {
    const created = await stack.api.request().post('/v1/channels').send({ kind: 'slack', name: 'chat', url: SLACK_URL }).expect(201);
    expect(created.body.url).toBe(SLACK_URL);
    const stored = await configOf(created.body.id);
    expect(stored).not.toContain('do-not-leak');
    expect(stored).toContain('vigil:sealed:v1:test-new:');
    const read = await stack.api.request().get(`/v1/channels/${created.body.id}`).expect(200);
    expect(read.body).not.toHaveProperty('url');
    expect(read.body.urlHint).toBe('https://hooks.slack.com/…leak');
    expect(JSON.stringify((await stack.api.request().get('/v1/channels').expect(200)).body)).not.toContain('do-not-leak');

    const hook = await stack.api.request().post('/v1/channels').send({ kind: 'webhook', name: 'hook', url: 'https://example.com/hook?token=abc123' });
    const hookConfig = await configOf(hook.body.id);
    expect(hookConfig).not.toContain(hook.body.signingSecret.slice(6));
    expect(hookConfig).not.toContain('abc123');
  });

  it('keeps the answer of an idempotent create, which shows its secrets, sealed, and replays it whole', async () => {
    const create = () =>
      stack.api.request().post('/v1/channels').set('Idempotency-Key', 'sealed-answer').send({ kind: 'slack', name: 'retried', url: SLACK_URL }).expect(201);
    const first = await create();
    const { rows } = await stack.db.pool.query('SELECT response_body FROM idempotency_keys WHERE key = $1', ['sealed-answer']);
    expect(rows[0].response_body).not.toContain('do-not-leak');
    const replayed = await create();
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toEqual(first.body);
    expect(replayed.body.url).toBe(SLACK_URL);
  });

  it('reads a channel written in clear before sealing existed, and seals it at its next write or when resealed', async () => {
    const [a, b] = [newId('chn'), newId('chn')];
    for (const id of [a, b]) {
      await stack.db.pool.query(`INSERT INTO channels (id, name, kind, config) VALUES ($1, 'legacy', 'slack', $2)`, [id, { kind: 'slack', url: SLACK_URL }]);
    }
    expect((await readChannel(stack.db.pool, testSecrets, a))?.config).toEqual({ kind: 'slack', url: SLACK_URL });
    await stack.api.request().put(`/v1/channels/${a}`).send({ kind: 'slack', name: 'legacy', url: SLACK_URL }).expect(200);
    expect(await configOf(a)).not.toContain('do-not-leak');

    expect(await resealChannels(stack.db.pool, testSecrets)).toBeGreaterThanOrEqual(1);
    expect(await configOf(b)).not.toContain('do-not-leak');
    expect((await readChannel(stack.db.pool, testSecrets, b))?.config).toEqual({ kind: 'slack', url: SLACK_URL });
    expect(await resealChannels(stack.db.pool, testSecrets)).toBe(0);
  });

  it('rotates: rows sealed under the old key stay readable once a new key comes first, and resealing frees the old key', async () => {
    const channel = await insertChannel(stack.db.prisma, beforeRotation, newId('chn'), {
      kind: 'pagerduty',
      name: 'pd',
      routingKey: 'R'.repeat(32),
      severity: 'critical',
    });
    expect(await configOf(channel.id)).toContain('vigil:sealed:v1:test-old:');
    expect((await stack.api.request().get(`/v1/channels/${channel.id}`).expect(200)).body.routingKeyHint).toBe('…RRRR');
    await expect(readChannel(stack.db.pool, afterRotation, channel.id)).rejects.toThrow('key "test-old"');

    await resealChannels(stack.db.pool, testSecrets);
    expect(await configOf(channel.id)).toContain('vigil:sealed:v1:test-new:');
    expect((await readChannel(stack.db.pool, afterRotation, channel.id))?.config).toMatchObject({ routingKey: 'R'.repeat(32) });
  });

  it('answers a channel sealed under a key this instance lacks with a problem naming the key, not a bare 500', async () => {
    const gone = new SecretBox(parseCodecKeys(`gone:${Buffer.alloc(32, 9).toString('base64')}`));
    const channel = await insertChannel(stack.db.prisma, gone, newId('chn'), { kind: 'slack', name: 'orphaned', url: SLACK_URL });
    const read = await stack.api.request().get(`/v1/channels/${channel.id}`).expect(500);
    expect(read.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(read.body).toMatchObject({ type: expect.stringMatching(/secret-unreadable$/), detail: expect.stringContaining('key "gone"') });
    expect(JSON.stringify(read.body)).not.toContain('do-not-leak');
    // Nothing here can open it: npm run reseal-secrets (below) would stop at it.
    await stack.db.pool.query('DELETE FROM channels WHERE id = $1', [channel.id]);
  });

  it('reseals probe headers written in clear before sealing existed, once', async () => {
    const spec = (headers: Record<string, string>) => ({ name: 'legacy', probe: { kind: 'http', url: 'https://example.com', headers } });
    const legacy = 'tgt_01KBSEA1ED000000000000000A';
    await stack.db.pool.query(`INSERT INTO targets (id, name, kind, interval_seconds, spec) VALUES ($1, 'legacy', 'http', 60, $2)`, [
      legacy,
      spec({ authorization: TOKEN }),
    ]);
    expect(await resealTargetHeaders(stack.db.pool, testSecrets)).toBe(1);
    const { rows } = await stack.db.pool.query<{ spec: { probe: { headers: Record<string, string> } } }>('SELECT spec FROM targets WHERE id = $1', [legacy]);
    expect(JSON.stringify(rows[0]!.spec)).not.toContain('do-not-leak');
    expect(testSecrets.open(rows[0]!.spec.probe.headers.authorization!, 'probe-headers')).toBe(TOKEN);
    expect(await resealTargetHeaders(stack.db.pool, testSecrets)).toBe(0);
  });

  it('opens a window once, when another worker takes it over, and probes with its headers in clear', async () => {
    const inputs: RunChecksInput[] = [];
    const probing: SlotProber = (input, { signal }) => {
      inputs.push(input);
      return new Promise((resolve) => signal.addEventListener('abort', () => resolve({ checked: [], fenced: true })));
    };
    const temporal = { activity: { complete: async () => undefined, fail: async () => undefined } } as unknown as Client;
    const first = new WorkerLease(stack.db.pool, temporal, probing, testSecrets, { renewEveryMs: 60_000, ttlMs: 30_000 });
    await first.start();
    const input = {
      targetId: 'tgt_01KBSEA1ED00000000000000AD',
      slots: [Date.now() + 60_000],
      probe: { kind: 'http', url: 'https://example.com', method: 'GET', headers: { authorization: TOKEN } },
    } as unknown as RunChecksInput;
    await first.runWindow(randomBytes(16), input);
    const stored = await stack.db.pool.query('SELECT input::text FROM probe_windows WHERE target_id = $1', [input.targetId]);
    expect(stored.rows[0].input).not.toContain('do-not-leak');
    await first.stop();

    const second = new WorkerLease(stack.db.pool, temporal, probing, testSecrets, { renewEveryMs: 60_000, ttlMs: 30_000 });
    await second.start();
    await eventually(() => expect(inputs).toHaveLength(2));
    expect((inputs[1]!.probe as { headers: Record<string, string> }).headers.authorization).toBe(TOKEN);
    await second.stop();
  });

  it('fails a taken-over window over to Temporal when its headers cannot be opened (their key was dropped), rather than run it', async () => {
    const failed: string[] = [];
    const probed: RunChecksInput[] = [];
    const probing: SlotProber = (input, { signal }) => {
      probed.push(input);
      return new Promise((resolve) => signal.addEventListener('abort', () => resolve({ checked: [], fenced: true })));
    };
    const temporal = {
      activity: { complete: async () => undefined, fail: async (token: Uint8Array) => void failed.push(Buffer.from(token).toString('hex')) },
    } as unknown as Client;
    const first = new WorkerLease(stack.db.pool, temporal, probing, beforeRotation, { renewEveryMs: 60_000, ttlMs: 30_000 });
    await first.start();
    const token = randomBytes(16);
    const input = {
      targetId: 'tgt_01KBSEA1ED00000000000000DK',
      slots: [Date.now() + 60_000],
      probe: { kind: 'http', url: 'https://example.com', method: 'GET', headers: { authorization: TOKEN } },
    } as unknown as RunChecksInput;
    await first.runWindow(token, input);
    await first.stop();
    const probedBefore = probed.length;

    const second = new WorkerLease(stack.db.pool, temporal, probing, afterRotation, { renewEveryMs: 60_000, ttlMs: 30_000 });
    await second.start();
    // One expired lease is taken a renewal: earlier tests' leases may come first.
    await eventually(async () => {
      await second.tick();
      expect(failed).toContain(token.toString('hex'));
    });
    expect(probed.slice(probedBefore).filter((i) => i.targetId === input.targetId)).toEqual([]);
    await second.stop();
  });

  it.each(['api', 'worker'] as const)('the %s process refuses to start without keys, naming the variable and the way to turn it off', async (role) => {
    const started = startVigilProcess(role, { DATABASE_URL: stack.db.url, TEMPORAL_ADDRESS: '127.0.0.1:1', VIGIL_CODEC_KEYS: '', VIGIL_CODEC_ACTIVE_KEY: '' });
    expect(await started.exited).toBe(1);
    expect(started.output()).toMatch(/VIGIL_CODEC_KEYS is not set: set it .* or set VIGIL_CODEC_KEYS=none to run without encryption on purpose/);
  });

  it('npm run reseal-secrets seals every stored secret under the active key and says how many', async () => {
    const channel = await insertChannel(stack.db.prisma, beforeRotation, newId('chn'), {
      kind: 'discord',
      name: 'old key',
      url: 'https://discord.com/api/webhooks/1/x',
    });
    const run = () =>
      new Promise<string>((resolve, reject) =>
        execFile(
          'npm',
          ['run', '--silent', 'reseal-secrets'],
          { cwd: path.resolve(__dirname, '..', '..'), env: { ...process.env, ...TEST_CODEC_KEYS_ENV, DATABASE_URL: stack.db.url } },
          (err, stdout, stderr) => (err ? reject(new Error(stdout + stderr)) : resolve(stdout)),
        ),
      );
    expect(await run()).toMatch(/^sealed under key "test-new": [1-9]\d* channel\(s\), the probe headers of \d+ target\(s\)$/m);
    expect(await configOf(channel.id)).toContain('vigil:sealed:v1:test-new:');
    expect(await run()).toContain('sealed under key "test-new": 0 channel(s), the probe headers of 0 target(s)');
  });
});
