/** What global-setup hands to every suite, through the environment (jest starts its workers after global setup). */
export const TEMPLATE_DATABASE = 'vigil_test_template';

interface TestEnv {
  adminUrl: string;
  cli: string;
  timeSkipping: string;
  bundlePath: string;
}

const KEYS = {
  adminUrl: 'VIGIL_TEST_PG_ADMIN_URL',
  cli: 'VIGIL_TEST_TEMPORAL_CLI',
  timeSkipping: 'VIGIL_TEST_TIME_SKIPPING_SERVER',
  bundlePath: 'VIGIL_TEST_WORKFLOW_BUNDLE',
} as const;

export const testEnv = (values: TestEnv): Record<string, string> =>
  Object.fromEntries(Object.entries(KEYS).map(([k, env]) => [env, values[k as keyof TestEnv]]));

export function readTestEnv(): TestEnv {
  const read = (key: keyof TestEnv) => {
    const value = process.env[KEYS[key]];
    if (!value) throw new Error(`${KEYS[key]} is not set: run the tests through jest (npm test), which runs global setup`);
    return value;
  };
  return { adminUrl: read('adminUrl'), cli: read('cli'), timeSkipping: read('timeSkipping'), bundlePath: read('bundlePath') };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
