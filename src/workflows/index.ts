// The workflow bundle's entry point: every workflow the worker runs.
export { targetWorkflow } from './target';
export { databaseMaintenanceWorkflow } from './maintenance';
export { incidentWorkflow } from './incident';
export { channelTestWorkflow } from './channel-test';
