import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { TEST_CODEC_KEYS_ENV } from './codec';

const ROOT = path.resolve(__dirname, '..', '..');

export interface VigilProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves when a line of output matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends the signal and resolves with the exit code (null if it had to be killed after `timeoutMs`). */
  stop(signal: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; afterMs: number }>;
  /** `kill -9`: resolves once the process is gone. Nothing it held is released but by the OS. */
  kill(): Promise<void>;
  /** Resolves when the process has exited, however. */
  exited: Promise<number | null>;
}

/**
 * Runs one of Vigil's real entry points (src/<role>/main.ts) as its own process, as `npm run up` does: one process
 * (`node --import tsx`, not the tsx launcher, which would put a second process between a signal and Vigil). It gets
 * the suite's payload keys unless `env` says otherwise, so it reads what the suite's clients write.
 */
export function startVigilProcess(role: 'api' | 'worker', env: Record<string, string>): VigilProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', role, 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...TEST_CODEC_KEYS_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    output += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(output)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`${role} did not print ${pattern} within ${timeoutMs} ms; output:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
    stop: async (signal, timeoutMs = 30_000) => {
      const started = Date.now();
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return { code, afterMs: Date.now() - started };
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
