/**
 * When a target is probed. Slots sit on a fixed grid per target: `phase + k * interval` in epoch milliseconds,
 * with the phase derived from the target id, so thousands of targets with the same interval spread evenly across
 * it instead of firing together, and a restarted workflow lands on the same grid. Pure: used by workflow code.
 */

/** FNV-1a over the id: stable across processes and versions, unlike any runtime hash. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export const phaseMs = (targetId: string, intervalMs: number): number => fnv1a(targetId) % intervalMs;

/** The first slot strictly after `after`. */
export function nextSlot(after: number, intervalMs: number, phase: number): number {
  return (Math.floor((after - phase) / intervalMs) + 1) * intervalMs + phase;
}

/**
 * How many consecutive slots one probe activity covers. Each activity costs the Temporal server a handful of
 * persisted events and one workflow task, whatever it covers: covering a window of slots instead of one is what
 * lets one server keep thousands of short-interval targets on time (docs/benchmarks.md). The activity hands control
 * back as soon as a result changes the target's state, so decisions are not delayed by the window.
 */
export const PROBE_WINDOW_MS = 120_000;

/**
 * How probes reach the workers: `window` (the default) as above; `slot`, one activity per probe on a workflow timer;
 * `local`, one local activity per probe on a workflow timer (no activity task, but the probe holds the workflow task).
 * The last two are the simple designs `window` is measured against (docs/benchmarks.md).
 */
export const PROBE_MODES = ['window', 'slot', 'local'] as const;
export type ProbeMode = (typeof PROBE_MODES)[number];
export const MAX_SLOTS_PER_WINDOW = 60;

export const slotsPerWindow = (intervalMs: number): number =>
  Math.max(1, Math.min(MAX_SLOTS_PER_WINDOW, Math.floor(PROBE_WINDOW_MS / intervalMs)));

export function windowFrom(first: number, intervalMs: number): number[] {
  const count = slotsPerWindow(intervalMs);
  return Array.from({ length: count }, (_, i) => first + i * intervalMs);
}
