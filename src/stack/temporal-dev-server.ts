import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** Search attributes Vigil's workflows set, so an auditor can find them in the Temporal UI. */
export const SEARCH_ATTRIBUTES = ['VigilTargetId=Keyword', 'VigilIncidentId=Keyword', 'VigilState=Keyword'];

export interface DevServer {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Resolves once something listens on host:port; gives up after `timeoutMs`, or as soon as `worthWaiting()` is false. */
export function waitForPort(host: string, port: number, timeoutMs: number, worthWaiting: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.connect({ host, port }, () => {
        socket.end();
        resolve();
      });
      socket.on('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`));
        else if (!worthWaiting()) reject(new Error(`stopped waiting for ${host}:${port}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/**
 * `temporal server start-dev` with its state in a SQLite file under the data folder, so workflows survive a
 * restart, and the Web UI on.
 */
export async function startDevServer(opts: {
  cli: string;
  dataDir: string;
  port: number;
  uiPort: number;
  logFile: string;
  /** Where the Web UI decodes payloads: the API's codec endpoint (an admin key is needed; README, Security). */
  uiCodecEndpoint?: string;
}): Promise<DevServer> {
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const log = fs.openSync(opts.logFile, 'a');
  const child = spawn(
    opts.cli,
    [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(opts.port),
      '--ui-port',
      String(opts.uiPort),
      '--db-filename',
      path.join(opts.dataDir, 'temporal.db'),
      '--namespace',
      'default',
      '--log-level',
      'warn',
      ...(opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : []),
      ...SEARCH_ATTRIBUTES.flatMap((sa) => ['--search-attribute', sa]),
    ],
    { stdio: ['ignore', log, log] },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await Promise.race([
    waitForPort('127.0.0.1', opts.port, 30_000),
    exited.then((code) => {
      throw new Error(`temporal server exited (${code}) before serving; see ${opts.logFile}`);
    }),
  ]);
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: `http://127.0.0.1:${opts.uiPort}`,
    process: child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
