import { z } from 'zod';
import { DEFAULT_THRESHOLDS } from './judge';
import { ProbeSchema } from './probe';

/** A target's whole configuration as the target workflow holds it. Pure: imported by workflow code. */
export const TargetSpecSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  intervalSeconds: z.int().min(1).max(86_400),
  probe: ProbeSchema,
  thresholds: z
    .strictObject({
      downAfter: z.int().min(1).max(20),
      upAfter: z.int().min(1).max(20),
    })
    .default(DEFAULT_THRESHOLDS),
});
export type TargetSpec = z.infer<typeof TargetSpecSchema>;
