import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressGuard } from '../probes/address-guard';
import { DeliveryError } from './errors';

/** Long enough for a slow receiver, short enough that one attempt never holds a worker slot for long. */
const ATTEMPT_TIMEOUT_MS = 10_000;
const MAX_ANSWER_BYTES = 4096;
/** Statuses worth another attempt; any other 4xx means the receiver refuses this request as it is. */
const RETRYABLE_STATUS = new Set([408, 425, 429]);

/** How a notification goes out: through the probes' address guard, and given up when the activity is cancelled. */
export interface Sending {
  guard: AddressGuard;
  signal?: AbortSignal;
}

/**
 * POSTs a body (JSON unless `headers` name another content type), through the same address guard as probes (resolved addresses checked, so an admin cannot point a
 * webhook at the cloud metadata service or the internal network unless allow-listed). Redirects are not followed:
 * a webhook URL that redirects is misconfigured. Resolves on 2xx; otherwise throws a DeliveryError saying whether
 * retrying may help.
 */
export function post(url: string, body: string, headers: Record<string, string>, { guard, signal }: Sending): Promise<void> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    // An address written as such is never looked up, so it is checked here.
    const literal = target.hostname.replace(/^\[|\]$/g, '');
    try {
      if (net.isIP(literal)) guard.check(literal);
    } catch (err) {
      return reject(refusal(err as Error));
    }
    const req = transport.request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Vigil-Notifications/1', ...headers },
        lookup: guard.lookup,
        signal,
      },
      (res) => {
        let answer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (answer.length < MAX_ANSWER_BYTES) answer += chunk;
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve();
          const retryable = status >= 500 || RETRYABLE_STATUS.has(status);
          const detail = answer.trim().slice(0, 200);
          reject(
            new DeliveryError(
              `${target.host} answered HTTP ${status}${detail ? `: ${detail}` : ''}`,
              retryable,
              retryAfterMs(res.headers['retry-after']) ?? retryAfterInBodyMs(answer),
            ),
          );
        });
        res.on('error', (err) => reject(new DeliveryError(`reading the answer failed: ${err.message}`, true)));
      },
    );
    // A deadline for the whole attempt, not a socket idle timeout: a receiver trickling bytes resets that one, and we
    // saw it fail to end a hung request on a reused connection, holding a worker slot (and a test server's clock).
    const deadline = setTimeout(() => {
      reject(new DeliveryError(`${target.host}: no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`, true));
      req.destroy();
    }, ATTEMPT_TIMEOUT_MS);
    req.on('close', () => clearTimeout(deadline));
    req.on('error', (err: NodeJS.ErrnoException) => {
      // The guard's refusal will not change on retry; network failures may.
      reject(err.name === 'ProbeRefusedError' ? refusal(err) : new DeliveryError(`${target.host}: ${err.message}`, true));
    });
    req.end(body);
  });
}

/** The address guard's refusal will not change on retry. */
const refusal = (err: Error) => new DeliveryError(err.message.replace('refused to probe', 'refused to notify'), false);

/**
 * Some APIs say how long to wait in their JSON answer instead of (Telegram: `parameters.retry_after`) or as well as
 * (Discord: `retry_after`) the header: seconds either way.
 */
function retryAfterInBodyMs(answer: string): number | undefined {
  try {
    const body = JSON.parse(answer) as { retry_after?: unknown; parameters?: { retry_after?: unknown } };
    const seconds = body.retry_after ?? body.parameters?.retry_after;
    return typeof seconds === 'number' && Number.isFinite(seconds) ? Math.max(0, seconds * 1000) : undefined;
  } catch {
    return undefined;
  }
}

/** Retry-After in seconds or as an HTTP date. */
function retryAfterMs(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
