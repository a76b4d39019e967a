import type { Pool } from 'pg';
import type { CheckResultWriter } from '../db/check-results';
import { createCheckActivities } from './checks';
import { createFlipActivities } from './flips';
import { createHeartbeatActivities } from './heartbeats';
import type { AddressGuard } from './probes/address-guard';
import { createTargetActivities } from './targets';

export interface ActivityDeps {
  pool: Pool;
  writer: CheckResultWriter;
  guard: AddressGuard;
}

/** Every activity Vigil's workers run, built once per worker from its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createCheckActivities(deps),
    ...createFlipActivities(deps),
    ...createHeartbeatActivities(deps),
    ...createTargetActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
