import { spawn } from 'node:child_process';
import fs from 'node:fs';

/**
 * Child processes of the production-like stack, each with its output in a log file of its own. Each runs in a
 * process group of its own, so a Ctrl-C in the terminal reaches only the launcher, which stops them in order (the
 * workers drain while Temporal still answers), and a stop or kill reaches whatever the child started itself.
 */

export class ProcessError extends Error {
  override name = 'ProcessError';
}

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  logFile: string;
  cwd?: string;
}

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Resolves when the process has exited, with its code or signal. */
  exited: Promise<string>;
  running(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** Sends a signal to the process and everything it started. */
  kill(signal: NodeJS.Signals): void;
  /** Resolves when its log shows `pattern`; rejects if it exits first or `timeoutMs` passes. */
  waitForLog(pattern: RegExp, timeoutMs: number): Promise<void>;
}

/** The last lines of a log, for an error message. */
export function logTail(file: string, lines = 20): string {
  if (!fs.existsSync(file)) return '';
  return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

export function startProcess(spec: ProcessSpec): ManagedProcess {
  // Logs are appended to across runs: readiness is looked for only in what this run writes.
  const offset = fs.existsSync(spec.logFile) ? fs.statSync(spec.logFile).size : 0;
  const output = () => (fs.existsSync(spec.logFile) ? fs.readFileSync(spec.logFile).subarray(offset).toString() : '');
  const log = fs.openSync(spec.logFile, 'a');
  const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', log, log], detached: true });
  fs.closeSync(log);
  let running = true;
  const exited = new Promise<string>((resolve) => {
    child.on('error', (err) => {
      running = false;
      resolve(err.message);
    });
    child.on('exit', (code, signal) => {
      running = false;
      resolve(signal ?? `exit code ${code}`);
    });
  });
  const pid = child.pid ?? 0;
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  return {
    name: spec.name,
    pid,
    logFile: spec.logFile,
    exited,
    running: () => running,
    kill,
    stop: async (graceMs = 30_000) => {
      if (running) kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // Whatever it started and left behind goes with it.
      kill('SIGKILL');
    },
    waitForLog: (pattern, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(output())) return resolve();
          if (!running) return reject(new ProcessError(`${spec.name} exited before it was ready:\n${logTail(spec.logFile)}`));
          if (Date.now() > deadline) return reject(new ProcessError(`${spec.name} not ready after ${timeoutMs} ms:\n${logTail(spec.logFile)}`));
          setTimeout(check, 200);
        };
        check();
      });
    },
  };
}

/** Waits for a one-off job to finish; throws with the end of its log if it fails or takes longer than `timeoutMs`. */
export async function finished(job: ManagedProcess, timeoutMs: number): Promise<void> {
  const timer = setTimeout(() => job.kill('SIGKILL'), timeoutMs);
  const how = await job.exited;
  clearTimeout(timer);
  if (how !== 'exit code 0') throw new ProcessError(`${job.name} failed (${how}):\n${logTail(job.logFile)}`);
}
