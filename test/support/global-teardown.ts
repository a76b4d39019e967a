import fs from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import { postgresStop } from '../../src/stack/postgres';
import { readTestEnv } from './env';

/** Removes what global setup made for this run: its template database, its PostgreSQL and its folder. */
export default async function globalTeardown(): Promise<void> {
  const { adminUrl, templateDatabase, runDir } = readTestEnv();
  const ownPostgres = path.join(runDir, 'postgres');
  if (fs.existsSync(ownPostgres)) {
    await postgresStop(ownPostgres);
  } else {
    const admin = new Pool({ connectionString: adminUrl, max: 1 });
    await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase} WITH (FORCE)`);
    await admin.end();
  }
  fs.rmSync(runDir, { recursive: true, force: true });
}
