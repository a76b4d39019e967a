import type { FailoverReport } from './failover';
import type { HistorySample, pgRates, Quantiles, SlotReport, StatementCost } from './measure';
import type { BenchOptions } from './options';
import type { Usage } from './procfs';
import type { StackKind } from './stack';
import type { CreationReport } from './targets';

/** What a benchmark run reports (JSON under bench/results/), and its Markdown tables: one row per ramp step. */

export interface StepReport {
  targets: number;
  intervalSeconds: number;
  /**
   * `allProbingSeconds`: from the first POST until every target had a result. `steadySeconds`: from the first POST
   * until one whole interval ran on time (see `settle`); null when it never did within --settle-max, absent when not
   * waited for. `firstProbeSeconds`: from each target's 201 to its first result; `lateFirstProbes`: targets whose first
   * result came more than two intervals after their 201, or never.
   */
  creation: CreationReport & {
    allProbingSeconds: number;
    steadySeconds?: number | null;
    firstProbeSeconds: Quantiles;
    lateFirstProbes: number;
    /**
     * Schedule lag of the slots probed on the targets' grids while the targets were created (the running ones must
     * stay on time). Before 2026-12-06 it also counted `firstProbeLagMs`.
     */
    lagWhileCreatingMs?: Quantiles;
    /** How long after its creating task started each new target's probe at once began (off the grid: not a slot). */
    firstProbeLagMs?: Quantiles;
    /** Among `lagWhileCreatingMs`: each new target's first slot on its grid, the first of its first probe window. */
    firstGridSlotLagMs?: Quantiles;
    /**
     * While the targets were created: each component's CPU, the Temporal frontend's requests and its persistence
     * requests by operation, and the statements that took most of PostgreSQL's time.
     */
    usage: Usage;
    temporalFrontendPerSecond?: Record<string, number>;
    temporalPersistencePerSecond?: Record<string, number>;
    statements?: StatementCost[];
  };
  window: { from: string; to: string; seconds: number };
  slots: SlotReport;
  projectionLagMs: Quantiles;
  /** The worker's own histogram (dev stack): bucket upper bounds, seconds. */
  workerLag?: { p50: number | null; p99: number | null; writeBatchP50: number | null; writeBatchP99: number | null };
  history: HistorySample | null;
  usage: Usage;
  /** CPU time of Vigil's stack (every sampled process but the benchmark itself) per probed slot. */
  cpuMsPerProbe: number | null;
  postgres: ReturnType<typeof pgRates> & { statements?: StatementCost[] };
  /**
   * The Temporal server's requests by operation: `requestsPerSecond` as every service counts them (a request the
   * frontend passes to the history service is counted by both), `frontendRequestsPerSecond` as clients made them.
   */
  temporal?: {
    requestsPerSecond: Record<string, number>;
    frontendRequestsPerSecond?: Record<string, number>;
    persistenceRequestsPerSecond: Record<string, number>;
  };
  errors: { apiErrors: number; workerLogErrors: number; workerLogWarnings: number; missedRows: number; absentSlots: number; firstWorkerErrors: string[] };
  broken: string[];
}

export interface BenchReport {
  label: string;
  startedAt: string;
  command: string;
  machine: { cpu: string; cores: number; memoryGb: number; kernel: string; node: string; postgres: string; temporal: string };
  commit: string;
  stack: StackKind;
  env: Record<string, string>;
  farm: BenchOptions['farm'];
  stackStartSeconds: number;
  steps: StepReport[];
  /** The first step that broke, and what broke. */
  knee: { targets: number; why: string[] } | null;
  failover?: FailoverReport;
}

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)}`);

/** CPU of the stack's parts, in % of one core: workers summed. */
export function cpuByPart(step: StepReport): { postgres: number; temporal: number; workers: number; api: number; bench: number } {
  const t = step.usage.trees;
  const sum = (pred: (name: string) => boolean) =>
    Math.round(
      Object.entries(t)
        .filter(([n]) => pred(n))
        .reduce((a, [, v]) => a + v.cpuPercent, 0),
    );
  return {
    postgres: sum((n) => n === 'postgres'),
    temporal: sum((n) => n === 'temporal'),
    workers: sum((n) => n.startsWith('vigil-worker')),
    api: sum((n) => n === 'vigil-api'),
    bench: sum((n) => n === 'bench'),
  };
}

export function memoryByPart(step: StepReport): { postgres: number; temporal: number; workers: number } {
  const t = step.usage.trees;
  const sum = (pred: (name: string) => boolean) =>
    Math.round(
      Object.entries(t)
        .filter(([n]) => pred(n))
        .reduce((a, [, v]) => a + v.pssMb, 0),
    );
  return { postgres: sum((n) => n === 'postgres'), temporal: sum((n) => n === 'temporal'), workers: sum((n) => n.startsWith('vigil-worker')) };
}

export function markdownTable(reports: BenchReport[]): string {
  const head =
    '| run | targets × interval | probes/s scheduled → done | lag p50 / p95 / p99 / max (ms) | slot → status p99 (ms) | missed + absent | events / probe | CPU % of a core: pg / temporal / workers / api | CPU ms / probe | memory MB: pg / temporal / workers | check rows/s | commits/s vigil / temporal | load avg (1 min) start → end |\n' +
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|';
  const rows = reports.flatMap((r) =>
    r.steps.map((s) => {
      const l = s.slots.scheduleLagMs;
      const cpu = cpuByPart(s);
      const mem = memoryByPart(s);
      const db = s.postgres.databases;
      const broken = s.broken.length ? ' **✗**' : '';
      return `| ${r.label}${broken} | ${s.targets} × ${s.intervalSeconds} s | ${s.slots.scheduledPerSecond} → ${s.slots.achievedPerSecond} | ${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.p99)} / ${ms(l.max)} | ${ms(s.projectionLagMs.p99)} | ${s.slots.missedRows} + ${s.slots.absent} | ${s.history?.eventsPerProbe ?? '–'} | ${cpu.postgres} / ${cpu.temporal} / ${cpu.workers} / ${cpu.api} | ${s.cpuMsPerProbe ?? '–'} | ${mem.postgres} / ${mem.temporal} / ${mem.workers} | ${s.slots.rowsPerSecond} | ${db.vigil?.commitsPerSecond ?? '–'} / ${db.temporal?.commitsPerSecond ?? '–'} | ${s.usage.machine.loadavgStart[0]} → ${s.usage.machine.loadavgEnd[0]} |`;
    }),
  );
  return [head, ...rows].join('\n');
}

/** Target creation through the API, per step. */
export function creationTable(reports: BenchReport[]): string {
  const head =
    '| run | targets created | seconds | per second | POST p50 / p99 (ms) | API errors | every target probed after (s) |\n|---|---|---|---|---|---|---|';
  const rows = reports.flatMap((r) =>
    r.steps.map(
      (s) =>
        `| ${r.label} | ${s.creation.created} (to ${s.targets}) | ${s.creation.seconds} | ${s.creation.perSecond} | ${ms(s.creation.latencyMs.p50)} / ${ms(s.creation.latencyMs.p99)} | ${s.creation.apiErrors} | ${s.creation.allProbingSeconds ?? '–'} |`,
    ),
  );
  return [head, ...rows].join('\n');
}

/** Issue 16 point 5, per run that had a failover phase (bench/failover.ts). */
export function failoverTable(reports: BenchReport[]): string {
  const head =
    '| run | targets × interval | worker killed: windows it ran, probed again after p50 / max (s), late | missed + absent, probes without a result | whole stack: stop, start (s), on schedule after p50 / max (s), never | missed + absent, probes without a result |\n|---|---|---|---|---|---|';
  const rows = reports.flatMap((r) => {
    const f = r.failover;
    if (!f) return [];
    const k = f.workerKill;
    const s = f.restart;
    return [
      `| ${r.label} | ${f.targets} × ${f.intervalSeconds} s | ${k.windowsHeld}, ${k.reprobedSeconds.p50 ?? '–'} / ${k.reprobedSeconds.max ?? '–'}, ${k.lateOrNever} | ${k.missedRows} + ${k.absentSlots}, ${k.unrecordedProbes} | ${s.stopSeconds}, ${s.startSeconds}, ${s.onScheduleSeconds.p50 ?? '–'} / ${s.onScheduleSeconds.max ?? '–'}, ${s.neverOnSchedule} | ${s.missedRows} + ${s.absentSlots}, ${s.unrecordedProbes} |`,
    ];
  });
  return [head, ...rows].join('\n');
}
