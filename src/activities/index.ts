import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { SecretBox } from '../codec/secrets';
import type { RetentionPolicy } from '../domain/retention';
import type { CheckResultWriter } from '../db/check-results';
import { createCheckActivities, type ProbeWindowRunner, type RecordSlot } from './checks';
import { failingFastOnRefusedWrites } from './failures';
import { createFlipActivities } from './flips';
import { createHeartbeatActivities } from './heartbeats';
import { createMaintenanceActivities } from './maintenance';
import { createIncidentActivities } from './incidents';
import type { Mailer } from './notifications/email';
import { createNotificationActivities } from './notifications';
import { createOnCallActivities } from './on-call';
import type { AddressGuard } from './probes/address-guard';
import { createTargetActivities } from './targets';

export interface ActivityDeps {
  pool: Pool;
  writer: CheckResultWriter;
  guard: AddressGuard;
  /** Where probe windows run once their activity hands them over (src/worker/leases.ts). */
  windows: ProbeWindowRunner;
  /** Counts probe slots in the worker's metrics. */
  recordSlot?: RecordSlot;
  /** How long results and rollups are kept: the defaults when not given. */
  retention?: RetentionPolicy;
  /** For the activities that open incidents and signal them: a client, not a child of any target's run. */
  temporal: Client;
  mailer: Mailer;
  /** Seals and opens the secrets stored in Postgres: channel settings, probe headers (src/codec/secrets.ts). */
  secrets: SecretBox;
}

/**
 * Every activity Vigil's workers run, built once per worker from its dependencies. None retries a write Postgres
 * refuses for good.
 */
export function createActivities(deps: ActivityDeps) {
  return failingFastOnRefusedWrites({
    ...createCheckActivities(deps),
    ...createFlipActivities(deps),
    ...createHeartbeatActivities(deps),
    ...createMaintenanceActivities(deps),
    ...createIncidentActivities(deps),
    ...createNotificationActivities(deps),
    ...createOnCallActivities(deps),
    ...createTargetActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
