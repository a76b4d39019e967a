import net from 'node:net';
import type { ProbeResult, TcpProbe } from '../../domain/probe';
import { Deadline } from './deadline';
import type { ProbeDeps } from './deps';
import { judgeLatency } from './results';

/** One TCP check: up once the handshake to host:port completes within the timeout. Nothing is sent. */
export async function probeTcp(probe: TcpProbe, { guard, signal }: ProbeDeps): Promise<ProbeResult> {
  const deadline = new Deadline(probe.timeoutMs, signal);
  try {
    // An IP literal never reaches `lookup`, so it is checked here; names are checked after resolution.
    if (net.isIP(probe.host)) guard.check(probe.host);
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: probe.host, port: probe.port, lookup: guard.lookup, signal: deadline.signal });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', reject);
    });
    return judgeLatency(deadline.elapsed(), probe.degradedAboveMs, 'connected');
  } catch (err) {
    return deadline.down(err);
  } finally {
    deadline.dispose();
  }
}
