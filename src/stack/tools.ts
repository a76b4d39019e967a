import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The programs Vigil's local stack and tests need beyond npm: the Temporal CLI (dev server) and the Java
 * time-skipping test server. Each is found where the operator put it, else in Vigil's cache, else built into the
 * cache from a package registry once (Go module proxy, Maven Central). Later runs reuse the cache.
 */

export class ToolError extends Error {
  override name = 'ToolError';
}

export const TEMPORAL_CLI_VERSION = '1.5.1';
export const TIME_SKIPPING_SERVER_VERSION = '1.38.0';

function onPath(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function runStreaming(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (err) => reject(new ToolError(`${command}: ${err.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new ToolError(`${command} ${args.join(' ')} exited ${code}`))));
  });
}

/**
 * The `temporal` CLI: $TEMPORAL_CLI_PATH, else `temporal` on PATH, else the cached build, else `go install` of
 * v1.5.1 (the newest the Go module proxy builds; ≈7 minutes on 2 cores the first time).
 */
export async function resolveTemporalCli(opts: { cliPath?: string; cacheDir: string; log?: (line: string) => void }): Promise<string> {
  if (opts.cliPath) {
    if (!fs.existsSync(opts.cliPath)) throw new ToolError(`TEMPORAL_CLI_PATH=${opts.cliPath} does not exist`);
    return opts.cliPath;
  }
  const found = onPath('temporal');
  if (found) return found;
  const binDir = path.join(opts.cacheDir, 'bin');
  const cached = path.join(binDir, 'temporal');
  if (fs.existsSync(cached)) return cached;
  if (!onPath('go')) {
    throw new ToolError('the Temporal CLI is missing and Go is not installed to build it: install Go, or set TEMPORAL_CLI_PATH');
  }
  opts.log?.(`building the Temporal CLI v${TEMPORAL_CLI_VERSION} into ${binDir} (once; several minutes)`);
  await runStreaming(
    'go',
    [
      'install',
      '-ldflags',
      `-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`,
      `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`,
    ],
    { env: { ...process.env, GOBIN: binDir, GOFLAGS: '-modcacherw' } },
  );
  return cached;
}

/**
 * An executable that starts Java's `io.temporal:temporal-test-server` (time skipping) as `<path> <port>`, for
 * `TestWorkflowEnvironment.createTimeSkipping`. The wrapper `exec`s java so that the SDK's kill reaches the JVM.
 */
export async function ensureTimeSkippingServer(opts: { cacheDir: string; log?: (line: string) => void }): Promise<string> {
  const dir = path.join(opts.cacheDir, `temporal-test-server-${TIME_SKIPPING_SERVER_VERSION}`);
  const wrapper = path.join(dir, 'temporal-test-server');
  if (fs.existsSync(wrapper)) return wrapper;
  for (const tool of ['java', 'mvn']) {
    if (!onPath(tool)) throw new ToolError(`${tool} is needed once to fetch the time-skipping test server; install a JDK and Maven`);
  }
  opts.log?.(`fetching io.temporal:temporal-test-server:${TIME_SKIPPING_SERVER_VERSION} into ${dir} (once)`);
  const work = `${dir}.partial`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  fs.writeFileSync(
    path.join(work, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.vigil</groupId><artifactId>temporal-test-server-fetch</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>${TIME_SKIPPING_SERVER_VERSION}</version></dependency>
  </dependencies>
</project>
`,
  );
  await runStreaming('mvn', ['-B', '-q', 'dependency:copy-dependencies', '-DoutputDirectory=lib', '-DincludeScope=runtime'], { cwd: work });
  fs.writeFileSync(
    path.join(work, 'temporal-test-server'),
    '#!/bin/sh\n# Started by the Temporal SDK as `<this> <port>`; exec so its SIGKILL reaches the JVM.\n' +
      'DIR=$(cd "$(dirname "$0")" && pwd)\nexec java -cp "$DIR/lib/*" io.temporal.testserver.TestServer "$@"\n',
    { mode: 0o755 },
  );
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(work, dir);
  return wrapper;
}
