import type { Express } from 'express';
import http from 'node:http';
import { listen } from '../listen';

export interface RunningServer {
  url: string;
  /** Stops accepting connections and resolves once every in-flight request has been answered. */
  close(): Promise<void>;
}

export async function startWebServer(app: Express, host: string, port: number): Promise<RunningServer> {
  const server = http.createServer(app);
  // Slow clients cannot hold connections open forever.
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  // Responses still being prepared when we stop carry `Connection: close`, so their keep-alive sockets end with them.
  const inFlight = new Set<http.ServerResponse>();
  server.on('request', (_req, res: http.ServerResponse) => {
    inFlight.add(res);
    res.on('close', () => inFlight.delete(res));
  });
  const url = await listen(server, host, port);
  return {
    url,
    close: () =>
      new Promise<void>((done) => {
        for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
        server.close(() => done());
        // Keep-alive connections with no request in flight would otherwise hold close() open.
        server.closeIdleConnections();
      }),
  };
}
