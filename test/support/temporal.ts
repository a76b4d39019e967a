import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawn } from 'node:child_process';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES, waitForPort } from '../../src/stack/temporal-dev-server';
import { testDataConverter } from './codec';
import { readTestEnv } from './env';
import { eventually } from './eventually';
import { TASK_QUEUE } from '../../src/ids';
import { freePort } from '../../src/stack/ports';

const searchAttributes = SEARCH_ATTRIBUTES.map((sa) => {
  const [name, type] = sa.split('=') as [string, string];
  return { name, type: type.toUpperCase() as 'KEYWORD' };
});

let runtimeInstalled = false;

/** Keeps the SDK's own logging to warnings, so test output shows what matters. Before anything creates the runtime. */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

/** A real Temporal dev server (the CLI global setup found or built), in memory, for this suite alone. */
export function startLocalTemporal(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const { cli } = readTestEnv();
  return TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: cli }, searchAttributes, extraArgs: ['--log-level', 'error'] },
    // Payloads encrypted as in production; startWorker gives its worker the same converter.
    client: { dataConverter: testDataConverter },
  });
}

/**
 * Java's time-skipping test server: timers of hours complete in milliseconds while activities run for real.
 * We start the JVM ourselves: the SDK gives it 5 s, and on two busy cores it can take longer. (The SDK's public way to
 * attach to a running server turns time skipping off, so this attaches through its internal one.)
 */
export async function startTimeSkippingTemporal(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const { timeSkipping } = readTestEnv();
  const port = await freePort();
  // Without --enable-time-skipping, as the SDK starts it: the SDK's client locks time and unlocks it only while a test
  // sleeps or awaits a result. With the flag, time also runs ahead while an activity is in flight and times it out.
  const jvm = spawn(timeSkipping, [String(port)], { stdio: 'ignore' });
  const exited = new Promise((resolve) => jvm.once('exit', resolve));
  try {
    await waitForPort('127.0.0.1', port, 60_000);
    const attach = (TestWorkflowEnvironment as unknown as { create(opts: object): Promise<TestWorkflowEnvironment> }).create;
    const env = await attach.call(TestWorkflowEnvironment, {
      server: { type: 'existing' },
      address: `127.0.0.1:${port}`,
      supportsTimeSkipping: true,
      client: { dataConverter: testDataConverter },
    });
    // Vigil's search attributes, as `npm run up` and deploy/temporal-setup.sh register them in every real namespace.
    const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(searchAttributes.map(({ name }) => [name, keyword])),
    });
    const teardown = env.teardown.bind(env);
    env.teardown = async () => {
      await teardown();
      jvm.kill('SIGKILL');
      await exited;
    };
    return env;
  } catch (err) {
    jvm.kill('SIGKILL');
    throw err;
  }
}

/** Waits until Temporal reports Vigil's workflow tasks waiting at least `seconds` for a worker (its figures are refreshed every few seconds). */
export async function untilBacklogAged(env: TestWorkflowEnvironment, seconds: number): Promise<void> {
  await eventually(
    async () => {
      const { stats } = await env.client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: TASK_QUEUE }, reportStats: true });
      expect(Number(stats?.approximateBacklogAge?.seconds ?? 0)).toBeGreaterThanOrEqual(seconds);
    },
    30_000,
    500,
  );
}
