import { PrismaPg } from '@prisma/adapter-pg';
import type { Pool } from 'pg';
import { PrismaClient } from './generated/client';

/** Prisma over the same pg pool the hot paths use: one set of connections, typed access where it reads well. */
export const createPrisma = (pool: Pool): PrismaClient => new PrismaClient({ adapter: new PrismaPg(pool) });

export type { PrismaClient };
