import type { Probe, ProbeResult } from '../../domain/probe';
import { probeHttp, type ProbeDeps } from './http';

/** Runs the probe its kind calls for. */
export function runProbe(probe: Probe, deps: ProbeDeps): Promise<ProbeResult> {
  switch (probe.kind) {
    case 'http':
      return probeHttp(probe, deps);
  }
}

export type { ProbeDeps };
