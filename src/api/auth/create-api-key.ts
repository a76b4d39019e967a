import { parseArgs } from 'node:util';
import { loadConfig } from '../../config';
import { migrate } from '../../db/migrate';
import { createPool } from '../../db/pool';
import { issueApiKey } from './keys';
import { ROLES, type Role } from '../../domain/roles';

/**
 * `npm run create-api-key -- --role admin --name alice`: makes a key in DATABASE_URL's database (by default the one
 * `npm run up` runs) and prints its secret, the only time it is shown. How the first admin key comes to exist; later
 * keys can also be made through POST /v1/api-keys.
 */
const USAGE = `usage: npm run create-api-key -- --role ${ROLES.join('|')} --name <who or what uses it>`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { role: { type: 'string' }, name: { type: 'string' } } });
  const role = values.role as Role | undefined;
  const name = values.name?.trim() || 'created from the command line';
  if (!role || !ROLES.includes(role)) throw new Error(USAGE);
  const config = loadConfig();
  const pool = createPool(config.databaseUrl, { max: 1, applicationName: 'vigil-create-api-key' });
  try {
    await migrate(pool);
    const { record, secret } = await issueApiKey(pool, { name, role });
    console.log(`${record.role} key ${record.id} ("${record.name}"); its secret, shown this once:\n\n  ${secret}\n`);
    console.log(`use it as: curl -H 'Authorization: Bearer ${secret}' http://${config.api.host}:${config.api.port}/v1/targets`);
  } finally {
    await pool.end();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
