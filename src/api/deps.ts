import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { SecretBox } from '../codec/secrets';
import type { CodecSettings } from './codec/routes';
import type { PrismaClient } from '../db/prisma';
import type { Logger } from '../log';

/** What the API's routes need: its own pool (separate from the workers'), Prisma over it, and a Temporal client. */
export interface ApiDeps {
  pool: Pool;
  prisma: PrismaClient;
  temporal: Client;
  /** Seals and opens the secrets stored in Postgres: channel settings, probe headers (src/codec/secrets.ts). */
  secrets: SecretBox;
  config: {
    minIntervalSeconds: number;
    /** Unauthenticated requests a minute from one address (public routes, bad keys); 0 turns the limit off. */
    publicRateLimitPerMinute: number;
    /**
     * A new target is refused (503, Retry-After) while Temporal tasks have waited longer than this for a worker
     * (VIGIL_ADMISSION_MAX_BACKLOG_SECONDS); absent, every create is admitted.
     */
    admissionMaxBacklogSeconds?: number;
    /** The codec endpoint's keys and browser origins (src/api/codec); without keys it decodes nothing. */
    codec?: CodecSettings;
  };
  log: Logger;
}
