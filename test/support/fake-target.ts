import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeTargetBehaviour {
  status: number;
  /** When set, each request answers the next of these statuses in turn, instead of `status`. */
  cycle?: number[];
  body: string;
  delayMs: number;
  headers: Record<string, string>;
}

export interface FakeTarget {
  url: string;
  /** Requests received, in order. */
  hits: { method: string; path: string; at: number }[];
  behave(b: Partial<FakeTargetBehaviour>): void;
  close(): Promise<void>;
}

/** A local HTTP server standing in for a monitored service; the test decides how it answers. */
export async function startFakeTarget(initial: Partial<FakeTargetBehaviour> = {}): Promise<FakeTarget> {
  let behaviour: FakeTargetBehaviour = { status: 200, body: 'ok', delayMs: 0, headers: {}, ...initial };
  const hits: FakeTarget['hits'] = [];
  const server = http.createServer((req, res) => {
    hits.push({ method: req.method ?? '', path: req.url ?? '', at: Date.now() });
    const { body, delayMs, headers, cycle } = behaviour;
    const status = cycle?.length ? cycle[(hits.length - 1) % cycle.length]! : behaviour.status;
    const answer = () => res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(body);
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    behave: (b) => {
      behaviour = { ...behaviour, ...b };
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
