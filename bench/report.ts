import type { BenchReport, StepReport } from './run';

/** Markdown tables of benchmark reports: one row per ramp step. */

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
