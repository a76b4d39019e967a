import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
  at: number;
}

/**
 * How a path answers: `ok`, `fail-first` (500 to the first attempt of each Idempotency-Key), `fail` (500 always),
 * `reject` (404 always), `hang` (never).
 */
export type Behaviour = 'ok' | 'fail-first' | 'fail' | 'reject' | 'hang';

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  behave(path: string, behaviour: Behaviour): void;
  /** The notifications a path accepted, one per Idempotency-Key, as a receiver that de-duplicates sees them. */
  accepted(path: string): { key: string; body: Record<string, unknown>; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/**
 * A local webhook endpoint the tests control, behaving as a careful receiver does: it de-duplicates by
 * Idempotency-Key, so a retried notification is seen once.
 */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const behaviours = new Map<string, Behaviour>();
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const behaviour = behaviours.get(path) ?? 'ok';
      const key = String(req.headers['idempotency-key'] ?? '');
      const earlier = requests.filter((r) => r.path === path && r.headers['idempotency-key'] === key).length;
      const status = behaviour === 'reject' ? 404 : behaviour === 'fail' || (behaviour === 'fail-first' && earlier === 0) ? 500 : 200;
      requests.push({ path, headers: req.headers, body, status: behaviour === 'hang' ? 0 : status, at: Date.now() });
      if (behaviour === 'hang') return void hanging.add(res);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : status === 404 ? 'no such hook' : 'receiver failing on purpose');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    behave: (path, behaviour) => void behaviours.set(path, behaviour),
    accepted: (path) => {
      const byKey = new Map<string, ReceivedRequest>();
      for (const r of requests) {
        const key = String(r.headers['idempotency-key']);
        if (r.path === path && r.status === 200 && !byKey.has(key)) byKey.set(key, r);
      }
      return [...byKey.entries()].map(([key, r]) => ({ key, body: JSON.parse(r.body), headers: r.headers }));
    },
    close: () =>
      new Promise((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Verifies a request the way the README tells receivers to (Standard Webhooks), independently of Vigil's signing
 * code: HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>` keyed with the secret's base64-decoded bytes, and a
 * timestamp within five minutes of now.
 */
export function verifyWebhook(r: { headers: http.IncomingHttpHeaders; body: string }, secret: string, now = Date.now()): boolean {
  const id = String(r.headers['webhook-id']);
  const timestamp = Number(r.headers['webhook-timestamp']);
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > 300) return false;
  const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
    .update(`${id}.${timestamp}.${r.body}`)
    .digest();
  return String(r.headers['webhook-signature'] ?? '')
    .split(' ')
    .some((sig) => {
      const [version, value] = sig.split(',');
      const given = Buffer.from(value ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}
