import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/**
 * A local stand-in for the notification vendors' APIs, checking each request the way the vendor documents it (paths,
 * authentication, required fields, limits) and answering as the vendor does: an accepted request with the vendor's
 * success status and body, a malformed one with its 4xx. PagerDuty and Opsgenie keep the incidents and alerts the
 * requests make, so a test sees theirs follow Vigil's. `throttleNext` answers the next request to a vendor with 429
 * the way that vendor does (Retry-After header, or the wait in the JSON body).
 */
export type Vendor = 'pagerduty' | 'opsgenie' | 'teams' | 'discord' | 'telegram' | 'ntfy' | 'pushover' | 'mattermost';

export interface VendorRequest {
  vendor: Vendor;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** What the fake answered. */
  status: number;
  /** Why it refused the request, as the vendor would say. */
  refusal?: string;
}

export interface VendorFake {
  url: string;
  requests: VendorRequest[];
  accepted(vendor: Vendor): VendorRequest[];
  /** PagerDuty's incidents by dedup_key: their status and how many events each took. */
  pagerDutyIncidents: Map<string, { status: 'triggered' | 'acknowledged' | 'resolved'; events: number }>;
  /** Opsgenie's alerts by alias: status, acknowledgement and how many creates it de-duplicated. */
  opsgenieAlerts: Map<string, { status: 'open' | 'closed'; acknowledged: boolean; count: number }>;
  throttleNext(vendor: Vendor, seconds: number): void;
  close(): Promise<void>;
}

export const OPSGENIE_KEY = '4b1c5a64-1f5a-4a8e-9a51-6c2f3c4d5e6f';
export const TELEGRAM_TOKEN = '123456789:AAE-telegram-secret-token-0123456789';
export const NTFY_TOKEN = 'tk_ntfy0secret0token0for0tests00';

const issues = (r: z.ZodSafeParseResult<unknown>) => (r.success ? undefined : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));

// Events API v2 (developer.pagerduty.com "Send an Alert Event" / "Acknowledge" / "Resolve").
const PagerDutyEvent = z.discriminatedUnion('event_action', [
  z.object({
    routing_key: z.string().length(32),
    event_action: z.literal('trigger'),
    dedup_key: z.string().max(255).optional(),
    client: z.string().optional(),
    payload: z.object({
      summary: z.string().min(1).max(1024),
      source: z.string().min(1),
      severity: z.enum(['critical', 'error', 'warning', 'info']),
      timestamp: z.iso.datetime({ offset: true }).optional(),
      component: z.string().optional(),
      group: z.string().optional(),
      class: z.string().optional(),
      custom_details: z.record(z.string(), z.unknown()).optional(),
    }),
  }),
  z.object({ routing_key: z.string().length(32), event_action: z.enum(['acknowledge', 'resolve']), dedup_key: z.string().min(1).max(255) }),
]);

// Alert API v2 (docs.opsgenie.com "Create Alert", "Acknowledge Alert", "Close Alert").
const OpsgenieCreate = z.object({
  message: z.string().min(1).max(130),
  alias: z.string().max(512).optional(),
  description: z.string().max(15_000).optional(),
  entity: z.string().max(512).optional(),
  source: z.string().max(100).optional(),
  priority: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']).optional(),
  tags: z.array(z.string()).max(20).optional(),
  details: z.record(z.string(), z.string()).optional(),
});
const OpsgenieAction = z.object({ source: z.string().max(100).optional(), user: z.string().max(100).optional(), note: z.string().max(25_000).optional() });

// Adaptive Card in a Teams message (learn.microsoft.com "Create and send messages", Workflows webhook).
const TeamsMessage = z.object({
  type: z.literal('message'),
  attachments: z
    .array(
      z.object({
        contentType: z.literal('application/vnd.microsoft.card.adaptive'),
        contentUrl: z.null().optional(),
        content: z.object({
          $schema: z.string().optional(),
          type: z.literal('AdaptiveCard'),
          version: z.string().regex(/^1\.\d$/),
          body: z.array(z.object({ type: z.string() }).loose()).min(1),
        }),
      }),
    )
    .min(1),
});

// Execute Webhook (discord.com/developers/docs/resources/webhook).
const DiscordMessage = z
  .object({
    content: z.string().max(2000).optional(),
    username: z.string().max(80).optional(),
    allowed_mentions: z.object({ parse: z.array(z.enum(['roles', 'users', 'everyone'])) }).optional(),
    embeds: z
      .array(
        z.object({
          title: z.string().max(256).optional(),
          description: z.string().max(4096).optional(),
          color: z.int().min(0).max(0xffffff).optional(),
          timestamp: z.iso.datetime({ offset: true }).optional(),
          footer: z.object({ text: z.string().max(2048) }).optional(),
        }),
      )
      .max(10)
      .optional(),
  })
  .refine((m) => m.content || m.embeds?.length, 'Cannot send an empty message');

// sendMessage (core.telegram.org/bots/api#sendmessage).
const TelegramMessage = z.object({
  chat_id: z.union([z.int(), z.string().min(1)]),
  text: z.string().min(1).max(4096),
  parse_mode: z.enum(['MarkdownV2', 'HTML', 'Markdown']).optional(),
  link_preview_options: z.object({ is_disabled: z.boolean() }).optional(),
});

// Publish as JSON (docs.ntfy.sh/publish/#publish-as-json).
const NtfyMessage = z.object({
  topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/),
  message: z.string().max(4096).optional(),
  title: z.string().optional(),
  priority: z.int().min(1).max(5).optional(),
  tags: z.array(z.string()).optional(),
  click: z.url().optional(),
});

// Message API (pushover.net/api), form-encoded.
const PushoverMessage = z.object({
  token: z.string().regex(/^[A-Za-z0-9]{30}$/),
  user: z.string().regex(/^[A-Za-z0-9]{30}$/),
  message: z.string().min(1).max(1024),
  title: z.string().max(250).optional(),
  device: z.string().optional(),
  priority: z.enum(['-2', '-1', '0', '1']).optional(),
  timestamp: z.string().regex(/^\d+$/).optional(),
});

// Incoming webhooks (developers.mattermost.com "Incoming webhooks"; Rocket.Chat's take the same).
const MattermostMessage = z
  .object({
    text: z.string().optional(),
    attachments: z.array(z.object({ fallback: z.string(), color: z.string().optional(), text: z.string().optional() }).loose()).optional(),
  })
  .refine((m) => m.text || m.attachments?.length, 'text or attachments required');

const vendorOf = (method: string, path: string): Vendor | undefined => {
  if (method !== 'POST') return undefined;
  if (path === '/v2/enqueue') return 'pagerduty';
  if (path.startsWith('/v2/alerts')) return 'opsgenie';
  if (path.startsWith('/teams/')) return 'teams';
  if (path.startsWith('/api/webhooks/')) return 'discord';
  if (/^\/bot[^/]+\/sendMessage$/.test(path)) return 'telegram';
  if (path === '/' || path === '/ntfy') return 'ntfy';
  if (path === '/1/messages.json') return 'pushover';
  if (path.startsWith('/hooks/')) return 'mattermost';
  return undefined;
};

export async function startVendorFake(): Promise<VendorFake> {
  const requests: VendorRequest[] = [];
  const pagerDutyIncidents: VendorFake['pagerDutyIncidents'] = new Map();
  const opsgenieAlerts: VendorFake['opsgenieAlerts'] = new Map();
  const throttled = new Map<Vendor, number>();

  /** Checks a request and applies it; answers [status, body] as the vendor would. */
  function handle(vendor: Vendor, url: URL, headers: http.IncomingHttpHeaders, raw: string): [number, unknown, string?] {
    const json = () => {
      if (!String(headers['content-type']).startsWith('application/json')) return undefined;
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return undefined;
      }
    };
    switch (vendor) {
      case 'pagerduty': {
        const event = PagerDutyEvent.safeParse(json());
        if (!event.success) return [400, { status: 'invalid event', message: 'Event object is invalid', errors: [issues(event)] }, issues(event)];
        const key = event.data.dedup_key ?? `pd-${pagerDutyIncidents.size + 1}`;
        const incident = pagerDutyIncidents.get(key);
        const status = { trigger: 'triggered', acknowledge: 'acknowledged', resolve: 'resolved' } as const;
        // A trigger for an open incident, or an acknowledge or resolve of none open, changes nothing.
        if (event.data.event_action === 'trigger' && (!incident || incident.status === 'resolved'))
          pagerDutyIncidents.set(key, { status: 'triggered', events: 1 });
        else if (incident && incident.status !== 'resolved') {
          if (event.data.event_action !== 'trigger') incident.status = status[event.data.event_action];
          incident.events += 1;
        }
        return [202, { status: 'success', message: 'Event processed', dedup_key: key }];
      }
      case 'opsgenie': {
        if (headers.authorization !== `GenieKey ${OPSGENIE_KEY}`) return [401, { message: 'Could not authenticate' }, 'bad GenieKey'];
        const action = /^\/v2\/alerts\/([^/]+)\/(acknowledge|close)$/.exec(url.pathname);
        if (action) {
          if (url.searchParams.get('identifierType') !== 'alias') return [422, { message: 'identifierType must be alias here' }, 'no identifierType'];
          const body = OpsgenieAction.safeParse(json());
          if (!body.success) return [422, { message: issues(body) }, issues(body)];
          const alert = opsgenieAlerts.get(decodeURIComponent(action[1]!));
          if (alert) {
            if (action[2] === 'close') alert.status = 'closed';
            else alert.acknowledged = true;
          }
          return [202, { result: 'Request will be processed', took: 0.01, requestId: `req-${requests.length}` }];
        }
        if (url.pathname !== '/v2/alerts') return [404, { message: 'not found' }, 'no such path'];
        const alert = OpsgenieCreate.safeParse(json());
        if (!alert.success) return [422, { message: issues(alert) }, issues(alert)];
        const alias = alert.data.alias ?? alert.data.message;
        const open = opsgenieAlerts.get(alias);
        // An open alert with the alias de-duplicates the create: its count grows.
        if (open?.status === 'open') open.count += 1;
        else opsgenieAlerts.set(alias, { status: 'open', acknowledged: false, count: 1 });
        return [202, { result: 'Request will be processed', took: 0.01, requestId: `req-${requests.length}` }];
      }
      case 'teams': {
        const message = TeamsMessage.safeParse(json());
        return message.success ? [202, ''] : [400, { error: { code: 'InvalidRequestContent', message: issues(message) } }, issues(message)];
      }
      case 'discord': {
        const message = DiscordMessage.safeParse(json());
        return message.success ? [204, ''] : [400, { code: 50006, message: issues(message) }, issues(message)];
      }
      case 'telegram': {
        const token = /^\/bot([^/]+)\/sendMessage$/.exec(url.pathname)![1];
        if (token !== TELEGRAM_TOKEN) return [401, { ok: false, error_code: 401, description: 'Unauthorized' }, 'bad bot token'];
        const message = TelegramMessage.safeParse(json());
        if (!message.success) return [400, { ok: false, error_code: 400, description: `Bad Request: ${issues(message)}` }, issues(message)];
        return [200, { ok: true, result: { message_id: requests.length, chat: { id: message.data.chat_id }, text: message.data.text } }];
      }
      case 'ntfy': {
        const message = NtfyMessage.safeParse(json());
        if (!message.success) return [400, { code: 40000, http: 400, error: issues(message) }, issues(message)];
        if (message.data.topic.startsWith('protected') && headers.authorization !== `Bearer ${NTFY_TOKEN}`) {
          return [403, { code: 40301, http: 403, error: 'forbidden' }, 'protected topic without its token'];
        }
        return [200, { id: `n${requests.length}`, time: Math.floor(Date.now() / 1000), event: 'message', ...message.data }];
      }
      case 'pushover': {
        if (headers['content-type'] !== 'application/x-www-form-urlencoded') return [400, { status: 0, errors: ['form-encoded body expected'] }, 'not a form'];
        const message = PushoverMessage.safeParse(Object.fromEntries(new URLSearchParams(raw)));
        return message.success
          ? [200, { status: 1, request: `p${requests.length}` }]
          : [400, { status: 0, errors: [issues(message)], request: `p${requests.length}` }, issues(message)];
      }
      case 'mattermost': {
        const message = MattermostMessage.safeParse(json());
        return message.success ? [200, 'ok'] : [400, { id: 'web.incoming_webhook.text.app_error', message: issues(message) }, issues(message)];
      }
    }
  }

  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const vendor = vendorOf(req.method ?? '', url.pathname);
      if (!vendor) return void res.writeHead(404).end();
      const record = (status: number, refusal?: string) =>
        requests.push({ vendor, method: req.method!, path: url.pathname + url.search, headers: req.headers, body: raw, status, refusal });
      const wait = throttled.get(vendor);
      if (wait !== undefined) {
        throttled.delete(vendor);
        record(429, 'throttled');
        // Telegram says how long in its body only; the others send Retry-After (Discord both).
        if (vendor === 'telegram') {
          return void res
            .writeHead(429, { 'content-type': 'application/json' })
            .end(JSON.stringify({ ok: false, error_code: 429, description: `Too Many Requests: retry after ${wait}`, parameters: { retry_after: wait } }));
        }
        return void res
          .writeHead(429, { 'content-type': 'application/json', 'retry-after': String(wait) })
          .end(JSON.stringify({ message: 'You are being rate limited.', retry_after: wait, global: false }));
      }
      const [status, body, refusal] = handle(vendor, url, req.headers, raw);
      record(status, refusal);
      res
        .writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' })
        .end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    accepted: (vendor) => requests.filter((r) => r.vendor === vendor && r.status < 300),
    pagerDutyIncidents,
    opsgenieAlerts,
    throttleNext: (vendor, seconds) => void throttled.set(vendor, seconds),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
