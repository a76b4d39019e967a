import type { RequestHandler } from 'express';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { EncryptionCodec, PayloadDecryptionError } from '../../codec/encryption';
import type { CodecKeys } from '../../codec/keys';
import type { Operation } from '../operations';
import { Problem, validated } from '../problems';

/**
 * The Temporal "remote codec" protocol (what the Web UI's codec endpoint setting and the CLI's `--codec-endpoint` call):
 * POST <endpoint>/decode and <endpoint>/encode with `{ "payloads": [...] }`, payloads in protobuf JSON (base64 bytes),
 * answered in the same shape. Payloads hold secrets once decoded, so only admin keys may call it, and only the
 * origins in VIGIL_CODEC_CORS_ORIGINS may call it from a browser.
 */
export const CODEC_PATH = '/v1/codec';
/** Larger than other bodies: one history event's payloads may reach Temporal's 2 MB blob limit. */
export const CODEC_BODY_LIMIT = '4mb';
const MAX_PAYLOADS = 10_000;

const { Payload } = temporal.api.common.v1;
/**
 * Protobuf JSON's bytes: standard or URL-safe base64, padded or not, but whole, since protobufjs throws on a length
 * that leaves 1 when divided by 4 or on padding in the wrong place. URL-safe is read as standard (protobufjs knows
 * only that alphabet).
 */
const base64 = z
  .string()
  .regex(/^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/, 'expected base64 (a whole number of bytes, padded with = or not)');
const standardBase64 = (s: string) => s.replace(/[-_]/g, (c) => (c === '-' ? '+' : '/'));
const PayloadJson = z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() });
const CodecBody = z.object({ payloads: z.array(PayloadJson).max(MAX_PAYLOADS) });

export interface CodecSettings {
  keys?: CodecKeys;
  /** Origins allowed to call the endpoint from a browser (the Temporal Web UI's). */
  corsOrigins: readonly string[];
}

function transform(settings: CodecSettings, direction: 'encode' | 'decode'): RequestHandler {
  const codec = settings.keys ? new EncryptionCodec(settings.keys) : undefined;
  return async (req, res) => {
    if (!codec) throw new Problem('not-found', 'this API has no payload keys (VIGIL_CODEC_KEYS), so it has nothing to encode or decode with');
    const body = validated(CodecBody, req.body);
    const payloads = body.payloads.map(({ metadata, data }) =>
      Payload.fromObject({
        ...(metadata ? { metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, standardBase64(v)])) } : {}),
        ...(data !== undefined ? { data: standardBase64(data) } : {}),
      }),
    );
    let out: temporal.api.common.v1.IPayload[];
    if (direction === 'encode') {
      out = await codec.encode(payloads);
    } else {
      // One at a time, so that the answer names the payload that cannot be read.
      out = [];
      for (const [i, payload] of payloads.entries()) {
        try {
          out.push(...(await codec.decode([payload])));
        } catch (err) {
          if (!(err instanceof PayloadDecryptionError)) throw err;
          throw new Problem('unprocessable', `payload ${i} cannot be decrypted`, { errors: [{ field: `payloads.${i}`, message: err.message }] });
        }
      }
    }
    res.json({ payloads: out.map((p) => Payload.toObject(Payload.create(p), { bytes: String })) });
  };
}

/**
 * CORS for the codec endpoint alone: a browser on an allowed origin (the Web UI) may send its key and read the
 * answer; the preflight is answered before authentication, as browsers send it without credentials.
 */
export function codecCors(settings: CodecSettings): RequestHandler {
  const allowed = new Set(settings.corsOrigins);
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin === undefined || !allowed.has(origin)) return next();
    res.vary('Origin');
    res.set({
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Credentials': 'true',
      // The Web UI's fetch reads its answer across origins; the API's own Cross-Origin-Resource-Policy would stop it.
      'Cross-Origin-Resource-Policy': 'cross-origin',
    });
    if (req.method !== 'OPTIONS') return next();
    res.set({
      'Access-Control-Allow-Methods': 'POST',
      'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Namespace',
      'Access-Control-Max-Age': '600',
    });
    res.status(204).end();
  };
}

export function codecRoutes(settings: CodecSettings): Operation[] {
  const payloads = z.object({ payloads: z.array(PayloadJson) });
  const common = {
    method: 'post',
    tag: 'Codec',
    // Decoding changes nothing.
    audit: false,
    access: 'admin',
    body: CodecBody,
    bodyLimit: CODEC_BODY_LIMIT,
    // The answer holds decrypted secrets: it is never stored, so an Idempotency-Key is refused.
    idempotent: false,
  } as const;
  return [
    {
      ...common,
      path: `${CODEC_PATH}/decode`,
      summary: 'Decrypt Temporal payloads (remote codec)',
      description:
        "For the Temporal Web UI's codec endpoint and `temporal … --codec-endpoint <api>/v1/codec --codec-auth 'Bearer <admin key>'`. " +
        'Payloads that are not encrypted come back as they are; one encrypted with a key this API lacks, or altered, is a 422 naming it.',
      responses: { 200: { description: 'The payloads, decrypted, in the order given', body: payloads } },
      handler: transform(settings, 'decode'),
    },
    {
      ...common,
      path: `${CODEC_PATH}/encode`,
      summary: 'Encrypt Temporal payloads (remote codec)',
      description: 'With the active key (VIGIL_CODEC_ACTIVE_KEY): what the Web UI sends when it signals or starts a workflow.',
      responses: { 200: { description: 'The payloads, encrypted, in the order given', body: payloads } },
      handler: transform(settings, 'encode'),
    },
  ];
}
