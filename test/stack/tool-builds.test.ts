import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTemporalUi, ToolError } from '../../src/stack/tools';

/**
 * A first run builds the Temporal tools with Go for many minutes: what it prints must say what is being built and
 * for how long, keep Go's own chatter (a line per module it downloads) in a log file, and name that log on failure.
 * A stand-in `go` on PATH plays the build, so these run in milliseconds.
 */
const onPath = (tool: string): string => {
  const found = (process.env.PATH ?? '')
    .split(':')
    .map((dir) => path.join(dir, tool))
    .find((candidate) => fs.existsSync(candidate));
  if (!found) throw new Error(`${tool} is not on PATH`);
  return found;
};

describe('building a tool on a fresh machine', () => {
  const originalPath = process.env.PATH;
  let bin: string;
  let cacheDir: string;
  let moduleDir: string;
  let lines: string[];
  const log = (line: string) => lines.push(line);

  /** A `go` that downloads (noisily), waits until the test lets it go on, then installs or fails. */
  const fakeGo = (installs: 'succeeds' | 'fails') =>
    fs.writeFileSync(
      path.join(bin, 'go'),
      `#!/bin/sh
if [ "$1" = mod ]; then echo '{"Dir": "${moduleDir}"}'; exit 0; fi
for m in a b c; do echo "go: downloading example.com/$m v1.0.0" >&2; done
while [ ! -f "${bin}/go-on" ]; do sleep 0.02; done
${installs === 'succeeds' ? 'mkdir -p "$GOBIN" && touch "$GOBIN/server"' : 'echo "compile: out of memory" >&2; exit 2'}
`,
      { mode: 0o755 },
    );
  const letGoOn = () => fs.writeFileSync(path.join(bin, 'go-on'), '');

  beforeEach(() => {
    process.env.PATH = originalPath;
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-path-'));
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cache-'));
    moduleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-module-'));
    fs.mkdirSync(path.join(moduleDir, 'config'));
    fs.writeFileSync(path.join(moduleDir, 'config', 'docker.yaml'), 'port: 8080\n');
    // A PATH with only what the stand-in needs: the real Go must not be found.
    for (const tool of ['sh', 'sleep', 'mkdir', 'touch']) fs.symlinkSync(onPath(tool), path.join(bin, tool));
    process.env.PATH = bin;
    lines = [];
  });
  afterEach(() => {
    jest.useRealTimers();
    process.env.PATH = originalPath;
    for (const dir of [bin, cacheDir, moduleDir]) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says what it builds, how long it has run every 30 s, and keeps Go downloading lines in its log', async () => {
    fakeGo('succeeds');
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    const building = resolveTemporalUi({ cacheDir, log });
    jest.advanceTimersByTime(61_000);
    letGoOn();
    const tools = await building;

    expect(fs.existsSync(tools.server)).toBe(true);
    expect(lines[0]).toMatch(/^building the Temporal Web UI v[\d.]+ into \S+ \(once; ≈\d+ min on 2 cores with nothing cached\)$/);
    const logFile = path.join(cacheDir, 'logs', 'temporal-ui.log');
    expect(lines.filter((l) => l.startsWith('still '))).toEqual([
      `still building the Temporal Web UI v2.42.1: 30s so far (log: ${logFile})`,
      `still building the Temporal Web UI v2.42.1: 1m00s so far (log: ${logFile})`,
    ]);
    expect(lines.some((l) => l.startsWith('done building the Temporal Web UI'))).toBe(true);
    expect(lines.join('\n')).not.toMatch(/go: downloading/);
    expect(fs.readFileSync(logFile, 'utf8')).toMatch(/go: downloading example\.com\/c v1\.0\.0/);
  });

  it('names the failed step, its log and the log’s last lines', async () => {
    fakeGo('fails');
    letGoOn();
    const failure = resolveTemporalUi({ cacheDir, log });
    await expect(failure).rejects.toThrow(ToolError);
    const logFile = path.join(cacheDir, 'logs', 'temporal-ui.log');
    await expect(failure).rejects.toThrow(
      `building the Temporal Web UI v2.42.1 failed (go exited 2); its log: ${logFile}; last lines:\n` +
        'go: downloading example.com/a v1.0.0\ngo: downloading example.com/b v1.0.0\ngo: downloading example.com/c v1.0.0\ncompile: out of memory',
    );
  });
});
