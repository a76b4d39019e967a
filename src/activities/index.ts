import type { Pool } from 'pg';
import type { RetentionPolicy } from '../config';
import type { CheckResultWriter } from '../db/check-results';
import { createCheckActivities } from './checks';
import { createFlipActivities } from './flips';
import { createHeartbeatActivities } from './heartbeats';
import { createMaintenanceActivities } from './maintenance';
import type { AddressGuard } from './probes/address-guard';
import { createTargetActivities } from './targets';

export interface ActivityDeps {
  pool: Pool;
  writer: CheckResultWriter;
  guard: AddressGuard;
  /** How long results and rollups are kept: the defaults when not given. */
  retention?: RetentionPolicy;
}

/** Every activity Vigil's workers run, built once per worker from its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createCheckActivities(deps),
    ...createFlipActivities(deps),
    ...createHeartbeatActivities(deps),
    ...createMaintenanceActivities(deps),
    ...createTargetActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
