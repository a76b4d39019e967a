/** What global-setup hands to every suite, through the environment (jest starts its workers after global setup). */
interface TestEnv {
  adminUrl: string;
  /** Migrated once per run; each suite's database is a copy of it. */
  templateDatabase: string;
  cli: string;
  timeSkipping: string;
  bundlePath: string;
  /** This run's own folder under the data folder; global teardown removes it. */
  runDir: string;
}

const KEYS = {
  adminUrl: 'VIGIL_TEST_PG_ADMIN_URL',
  templateDatabase: 'VIGIL_TEST_TEMPLATE_DATABASE',
  cli: 'VIGIL_TEST_TEMPORAL_CLI',
  timeSkipping: 'VIGIL_TEST_TIME_SKIPPING_SERVER',
  bundlePath: 'VIGIL_TEST_WORKFLOW_BUNDLE',
  runDir: 'VIGIL_TEST_RUN_DIR',
} as const;

export const testEnv = (values: TestEnv): Record<string, string> =>
  Object.fromEntries(Object.entries(KEYS).map(([k, env]) => [env, values[k as keyof TestEnv]]));

export function readTestEnv(): TestEnv {
  const read = (key: keyof TestEnv) => {
    const value = process.env[KEYS[key]];
    if (!value) throw new Error(`${KEYS[key]} is not set: run the tests through jest (npm test), which runs global setup`);
    return value;
  };
  return Object.fromEntries(Object.keys(KEYS).map((k) => [k, read(k as keyof TestEnv)])) as unknown as TestEnv;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
