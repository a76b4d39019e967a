import type { ActiveProbe, ProbeResult } from '../../domain/probe';
import type { ProbeDeps } from './deps';
import { probeDns } from './dns';
import { probeHttp } from './http';
import { probeTcp } from './tcp';

/** Runs the probe its kind calls for. */
export function runProbe(probe: ActiveProbe, deps: ProbeDeps): Promise<ProbeResult> {
  switch (probe.kind) {
    case 'http':
      return probeHttp(probe, deps);
    case 'tcp':
      return probeTcp(probe, deps);
    case 'dns':
      return probeDns(probe, deps);
  }
}

export type { ProbeDeps };
