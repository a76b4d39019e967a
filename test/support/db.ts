import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { createPrisma, type PrismaClient } from '../../src/db/prisma';
import { readTestEnv, withDatabase } from './env';

export interface TestDatabase {
  url: string;
  pool: Pool;
  prisma: PrismaClient;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own for one suite: a copy of the template global setup migrated. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { adminUrl, templateDatabase } = readTestEnv();
  const name = `vigil_test_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${templateDatabase}`);
  const url = withDatabase(adminUrl, name);
  const pool = createPool(url, { max: 10, applicationName: 'vigil-test' });
  const prisma = createPrisma(pool);
  return {
    url,
    pool,
    prisma,
    drop: async () => {
      await prisma.$disconnect();
      await pool.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
