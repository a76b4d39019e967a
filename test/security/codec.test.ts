import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import request from 'supertest';
import { EncryptionCodec, KEY_ID_METADATA, PayloadDecryptionError } from '../../src/codec/encryption';
import { CodecKeyError, generateCodecKeyEntry, parseCodecKeys } from '../../src/codec/keys';
import { loadConfig } from '../../src/config';
import { TEST_UI_ORIGIN } from '../support/api';
import { useStack } from '../support/stack';

const { Payload: PayloadMessage } = temporal.api.common.v1;
const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');
const text = (p: Payload) => Buffer.from(PayloadMessage.encode(p).finish()).toString('latin1');
const secretValue = { headers: { authorization: 'Bearer probe-secret-do-not-leak' } };

describe('payload encryption (AES-256-GCM, rotating keys)', () => {
  const oldOnly = parseCodecKeys(`old:${key(1)}`);
  const rotated = parseCodecKeys(`old:${key(1)},new:${key(2)}`, 'new');
  const [plain] = [defaultPayloadConverter.toPayload(secretValue)];

  it('encrypts the whole payload, metadata included, and names only the key it used', async () => {
    const [encrypted] = await new EncryptionCodec(rotated).encode([plain]);
    expect(text(encrypted!)).not.toContain('probe-secret');
    expect(text(encrypted!)).not.toContain('json/plain');
    expect(Object.keys(encrypted!.metadata!).sort()).toEqual(['encoding', KEY_ID_METADATA].sort());
    expect(Buffer.from(encrypted!.metadata![KEY_ID_METADATA]!).toString()).toBe('new');
    expect(defaultPayloadConverter.fromPayload(((await new EncryptionCodec(rotated).decode([encrypted!])) as Payload[])[0]!)).toEqual(secretValue);
  });

  it('never encrypts the same payload the same way twice (a fresh IV each time)', async () => {
    const codec = new EncryptionCodec(rotated);
    const [a, b] = await codec.encode([plain, plain]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('after a rotation, decrypts what the retired key encrypted, and encrypts with the new one', async () => {
    const [underOld] = await new EncryptionCodec(oldOnly).encode([plain]);
    const rotatedCodec = new EncryptionCodec(rotated);
    expect(defaultPayloadConverter.fromPayload((await rotatedCodec.decode([underOld!]))[0]!)).toEqual(secretValue);
    const [underNew] = await rotatedCodec.encode([plain]);
    await expect(new EncryptionCodec(oldOnly).decode([underNew!])).rejects.toThrow('payload encrypted with key "new", which is not among VIGIL_CODEC_KEYS');
  });

  it('passes unencrypted payloads through, so histories recorded before the codec still read', async () => {
    expect(await new EncryptionCodec(rotated).decode([plain])).toEqual([plain]);
  });

  it('refuses a payload that was altered, truncated, or relabelled with another key id', async () => {
    const codec = new EncryptionCodec(rotated);
    const [encrypted] = await codec.encode([plain]);
    const flipped = Buffer.from(encrypted!.data!);
    flipped[20]! ^= 1;
    await expect(codec.decode([{ ...encrypted!, data: flipped }])).rejects.toBeInstanceOf(PayloadDecryptionError);
    await expect(codec.decode([{ ...encrypted!, data: flipped.subarray(0, 10) }])).rejects.toThrow('truncated');
    const relabelled = { ...encrypted!, metadata: { ...encrypted!.metadata, [KEY_ID_METADATA]: Buffer.from('old') } };
    await expect(codec.decode([relabelled])).rejects.toThrow('fails authentication with key "old"');
  });

  it.each([
    ['', 'no keys'],
    [`k1:${key(1)},k1:${key(2)}`, 'listed twice'],
    [`k1:${Buffer.alloc(16).toString('base64')}`, 'expected 32 bytes'],
    ['k1:not base64!', 'expected 32 bytes'],
    [`:${key(1)}`, 'entry 1'],
    [key(1), 'entry 1'],
  ])('refuses the key list %p, saying why', (spec, why) => {
    expect(() => parseCodecKeys(spec)).toThrow(CodecKeyError);
    expect(() => parseCodecKeys(spec)).toThrow(why);
  });

  it('never quotes key material in a configuration error', () => {
    const material = Buffer.alloc(31, 7).toString('base64');
    const attempt = () => loadConfig({ VIGIL_CODEC_KEYS: `k1:${material}` });
    expect(attempt).toThrow('VIGIL_CODEC_KEYS');
    expect(() => attempt()).not.toThrow(material);
    expect(() => loadConfig({ VIGIL_CODEC_KEYS: `k1:${key(1)}`, VIGIL_CODEC_ACTIVE_KEY: 'k9' })).toThrow('the active key "k9" is not among the keys listed');
    expect(() => loadConfig({ VIGIL_CODEC_ACTIVE_KEY: 'k1' })).toThrow('VIGIL_CODEC_KEYS is not');
  });

  it('makes keys npm run create-codec-key can print and the configuration accepts', () => {
    const entry = generateCodecKeyEntry('fresh');
    expect(loadConfig({ VIGIL_CODEC_KEYS: entry }).codec.keys?.activeKeyId).toBe('fresh');
    expect(loadConfig({}).codec.keys).toBeUndefined();
  });
});

describe('the codec endpoint (/v1/codec, the Temporal remote codec protocol)', () => {
  const stack = useStack({ api: true });
  let viewer: string;
  const json = (p: Payload) => PayloadMessage.toObject(PayloadMessage.create(p), { bytes: String });

  beforeAll(async () => {
    viewer = await stack.api.createKey('viewer');
  });

  it('encodes and decodes for an admin key, in the protocol`s JSON, order kept', async () => {
    const payloads = [json(defaultPayloadConverter.toPayload(secretValue)), json(defaultPayloadConverter.toPayload('second'))];
    const encoded = await stack.api.request().post('/v1/codec/encode').set('X-Namespace', 'default').send({ payloads }).expect(200);
    expect(JSON.stringify(encoded.body)).not.toContain(Buffer.from('probe-secret').toString('base64').slice(0, 8));
    expect(encoded.body.payloads[0].metadata.encoding).toBe(Buffer.from('binary/encrypted').toString('base64'));
    expect(encoded.headers['cache-control']).toBe('no-store');
    const decoded = await stack.api.request().post('/v1/codec/decode').send(encoded.body).expect(200);
    expect(decoded.body).toEqual({ payloads });
  });

  it('lets nobody else decode: no key 401, a viewer 403, a bad key 401', async () => {
    const body = { payloads: [] };
    expect((await request(stack.api.url).post('/v1/codec/decode').send(body)).status).toBe(401);
    expect((await stack.api.request(viewer).post('/v1/codec/decode').send(body)).status).toBe(403);
    expect((await request(stack.api.url).post('/v1/codec/decode').set('Authorization', 'Bearer vigil_nope').send(body)).status).toBe(401);
  });

  it('names a payload it cannot decrypt (altered, or under an unknown key) with a 422, and passes plain ones through', async () => {
    const plain = json(defaultPayloadConverter.toPayload('plain'));
    const foreign = json((await new EncryptionCodec(parseCodecKeys(`elsewhere:${key(9)}`)).encode([defaultPayloadConverter.toPayload('x')]))[0]!);
    const res = await stack.api
      .request()
      .post('/v1/codec/decode')
      .send({ payloads: [plain, foreign] })
      .expect(422);
    expect(res.body.errors).toEqual([{ field: 'payloads.1', message: expect.stringContaining('key "elsewhere"') }]);
    expect(
      (
        await stack.api
          .request()
          .post('/v1/codec/decode')
          .send({ payloads: [plain] })
          .expect(200)
      ).body,
    ).toEqual({ payloads: [plain] });
  });

  it('refuses malformed bodies as problems, and bodies over 4 MB', async () => {
    for (const body of [{}, { payloads: 'x' }, { payloads: [{ data: '***' }] }, { payloads: [{ metadata: { encoding: 5 } }] }]) {
      const res = await stack.api.request().post('/v1/codec/decode').send(body);
      expect(`${res.status} ${res.headers['content-type']}`).toMatch(/^400 application\/problem\+json/);
    }
    const big = { payloads: [{ data: Buffer.alloc(3_200_000).toString('base64') }] };
    expect((await stack.api.request().post('/v1/codec/decode').send(big)).status).toBe(413);
  });

  it('refuses base64 that is not whole (protobufjs would throw), naming the field, on both endpoints', async () => {
    const cases: [string, object, string][] = [
      ['/v1/codec/decode', { payloads: [{ data: 'A' }] }, 'payloads.0.data'],
      ['/v1/codec/encode', { payloads: [{ metadata: { encoding: 'A' } }] }, 'payloads.0.metadata.encoding'],
      ['/v1/codec/decode', { payloads: [{ data: 'AAAA' }, { data: 'AB=C' }] }, 'payloads.1.data'],
      ['/v1/codec/encode', { payloads: [{ data: 'A===' }] }, 'payloads.0.data'],
    ];
    for (const [path, body, field] of cases) {
      const res = await stack.api.request().post(path).send(body);
      expect(`${res.status} ${res.headers['content-type']}`).toMatch(/^400 application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
    }
  });

  it('reads base64 as protobuf JSON allows it: standard or URL-safe, padded or not', async () => {
    const bytes = Buffer.from([0xfb, 0xff, 0xfe, 0x41]);
    for (const data of [bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('base64').replace(/=+$/, '')]) {
      const res = await stack.api
        .request()
        .post('/v1/codec/decode')
        .send({ payloads: [{ data }] })
        .expect(200);
      expect(res.body).toEqual({ payloads: [{ data: bytes.toString('base64') }] });
    }
  });

  it('answers the Web UI`s CORS preflight without a key, for its origin only', async () => {
    const preflight = await request(stack.api.url)
      .options('/v1/codec/decode')
      .set('Origin', TEST_UI_ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type,x-namespace')
      .expect(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': TEST_UI_ORIGIN,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': expect.stringMatching(/Authorization.*Content-Type.*X-Namespace/i),
    });
    const call = await stack.api.request().post('/v1/codec/decode').set('Origin', TEST_UI_ORIGIN).send({ payloads: [] }).expect(200);
    expect(call.headers['access-control-allow-origin']).toBe(TEST_UI_ORIGIN);

    const stranger = await request(stack.api.url)
      .options('/v1/codec/decode')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
    const strangerCall = await stack.api.request().post('/v1/codec/decode').set('Origin', 'https://evil.example').send({ payloads: [] });
    expect(strangerCall.headers['access-control-allow-origin']).toBeUndefined();
    // CORS is the codec's alone: no other route answers a browser on another origin.
    const elsewhere = await stack.api.request().get('/v1/targets').set('Origin', TEST_UI_ORIGIN).expect(200);
    expect(elsewhere.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses an Idempotency-Key: its answer holds secrets that must never be stored', async () => {
    await stack.api.request().post('/v1/codec/decode').set('Idempotency-Key', 'k1').send({ payloads: [] }).expect(400);
    expect((await stack.db.pool.query('SELECT count(*)::int AS n FROM idempotency_keys')).rows[0].n).toBe(0);
  });
});
