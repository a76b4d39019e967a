import { INCIDENT_WORKFLOW, type IncidentWorkflow } from '../../src/contracts/incident';
import { TARGET_WORKFLOW, type TargetWorkflow } from '../../src/contracts/target';
import * as workflows from '../../src/workflows';

describe('the workflow contracts', () => {
  it('name each workflow as the worker registers it, with the signature it has', () => {
    // The API and activities start workflows by these names, without importing workflow code.
    const registered: Record<string, unknown> = workflows;
    expect(registered[TARGET_WORKFLOW]).toBe(workflows.targetWorkflow);
    expect(registered[INCIDENT_WORKFLOW]).toBe(workflows.incidentWorkflow);
    // Checked by the compiler: a workflow whose input or result drifts from its contract fails the type check.
    const signatures: [TargetWorkflow, IncidentWorkflow] = [workflows.targetWorkflow, workflows.incidentWorkflow];
    expect(signatures).toHaveLength(2);
  });
});
