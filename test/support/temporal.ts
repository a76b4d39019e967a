import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../../src/stack/temporal-dev-server';
import { readTestEnv } from './env';

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
  });
}

/** Java's time-skipping test server: timers of hours complete in milliseconds while activities run for real. */
export function startTimeSkippingTemporal(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const { timeSkipping } = readTestEnv();
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: timeSkipping } } });
}
