import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The monitored services of a benchmark: a few HTTP servers on loopback, each answering any path (`/t/<n>`), after a
 * latency drawn around `latencyMs`, with a 500 for a `failureRate` share of requests. Many targets share few servers,
 * as many sites share a few hosts.
 */
export interface FarmOptions {
  servers: number;
  latencyMs: number;
  /** Each answer's latency is drawn uniformly from latencyMs ± jitterMs. */
  jitterMs: number;
  failureRate: number;
}

export interface Farm {
  /** The URL of target number `n`, spread over the servers. */
  urlOf(n: number): string;
  requests(): number;
  failures(): number;
  /** From now on, notes when each path (each target) was asked, until the next call. */
  watch(): void;
  /** Epoch ms of each request since watch(), by path (`/t/<n>`). */
  requestTimes(): Map<string, number[]>;
  close(): Promise<void>;
}

export async function startFarm(opts: FarmOptions): Promise<Farm> {
  let requests = 0;
  let failures = 0;
  let watched: Map<string, number[]> | undefined;
  const note = (path: string) => {
    if (!watched) return;
    const times = watched.get(path);
    if (times) times.push(Date.now());
    else watched.set(path, [Date.now()]);
  };
  const servers = await Promise.all(
    Array.from({ length: opts.servers }, async () => {
      const server = http.createServer((req, res) => {
        requests++;
        note(req.url ?? '');
        const fail = Math.random() < opts.failureRate;
        if (fail) failures++;
        const delay = Math.max(0, opts.latencyMs + (Math.random() * 2 - 1) * opts.jitterMs);
        const answer = () => res.writeHead(fail ? 500 : 200, { 'content-type': 'text/plain' }).end(fail ? 'failing' : 'ok');
        if (delay > 0) setTimeout(answer, delay);
        else answer();
      });
      server.keepAliveTimeout = 5_000;
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    }),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  return {
    urlOf: (n) => `http://127.0.0.1:${ports[n % ports.length]}/t/${n}`,
    requests: () => requests,
    failures: () => failures,
    watch: () => {
      watched = new Map();
    },
    requestTimes: () => watched ?? new Map(),
    close: () =>
      Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections();
              s.close(() => resolve());
            }),
        ),
      ).then(() => undefined),
  };
}
