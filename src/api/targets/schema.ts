import { z } from 'zod';
import { DEFAULT_THRESHOLDS } from '../../domain/judge';
import { HttpProbeSchema } from '../../domain/probe';
import type { TargetSpec } from '../../domain/target';

/**
 * The target as operators write it: one flat JSON object, the probe's fields beside the target's own, `kind` naming
 * the probe (http when left out). Unknown fields are refused, so a typo never silently drops a setting.
 */
export function createTargetBody(minIntervalSeconds: number) {
  const common = {
    name: z.string().trim().min(1).max(200),
    intervalSeconds: z.int().min(minIntervalSeconds).max(86_400),
    downAfter: z.int().min(1).max(20).default(DEFAULT_THRESHOLDS.downAfter),
    upAfter: z.int().min(1).max(20).default(DEFAULT_THRESHOLDS.upAfter),
  };
  const http = HttpProbeSchema.extend({ kind: z.literal('http').default('http'), ...common });
  return http.transform(({ name, intervalSeconds, downAfter, upAfter, ...probe }): TargetSpec => ({
    name,
    intervalSeconds,
    thresholds: { downAfter, upAfter },
    probe,
  }));
}
