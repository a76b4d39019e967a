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
 * How long one probe activity covers, at most. Each activity costs the Temporal server a handful of persisted events
 * and a workflow task, whatever it covers: covering a window of slots instead of one is what lets one server keep
 * thousands of short-interval targets on time, and the longer the window the fewer of those per probe
 * (docs/benchmarks.md: 120 s windows held 8.3 windows/s and broke at 5,000 targets × 60 s; at 8,000 targets × 20 s
 * ten-minute windows turned over 13.3 times a second, most of Temporal's load). Reaction does not suffer: the activity
 * hands control back as soon as a result changes the target's state, an operator command supersedes it, and a lost
 * worker's window is taken over through the worker leases, whatever the window's length.
 */
export const PROBE_WINDOW_MS = 1_200_000;

/** The window of workflow runs between the ten- and twenty-minute window patches (src/workflows/target-patches.ts). */
export const TEN_MINUTE_WINDOW_MS = 600_000;

/** The window of workflow runs started before the ten-minute window patch, kept so that their histories replay unchanged. */
export const FIRST_PROBE_WINDOW_MS = 120_000;

export const MAX_SLOTS_PER_WINDOW = 60;

/**
 * Targets probed less often get one slot per activity, on a workflow timer: a window pays off when it saves many
 * activities, and these cost Temporal little anyway. (Ten-minute windows drew the same line by their length.)
 */
export const MAX_WINDOWED_INTERVAL_MS = 300_000;

export const slotsPerWindow = (intervalMs: number, windowMs = PROBE_WINDOW_MS): number =>
  intervalMs > MAX_WINDOWED_INTERVAL_MS ? 1 : Math.max(1, Math.min(MAX_SLOTS_PER_WINDOW, Math.floor(windowMs / intervalMs)));

/**
 * Where a window from `slot` ends (its first slot not in it): on one of the target's window boundaries, which lie
 * half a window (`count` slots) apart on its grid, offset by its id; the last of them within a whole window. A window
 * that starts on a boundary is whole; one that starts elsewhere (a new target's first, one after a flip or an update)
 * lasts between half a window and a whole one, and ends on a boundary, so every later one is whole again. However
 * targets were created (an import starts thousands within minutes), they turn their windows over spread across the
 * window's length by their ids, instead of repeating the import's burst of turnovers every window; and none of an
 * import's first windows ends during the import.
 */
export function windowEnd(targetId: string, slot: number, intervalMs: number, phase: number, count: number): number {
  const half = Math.max(1, Math.floor(count / 2));
  const index = Math.round((slot - phase) / intervalMs);
  const offset = fnv1a(`${targetId}#window`) % half;
  const last = index + count;
  return slot + (last - ((((last - offset) % half) + half) % half) - index) * intervalMs;
}

/**
 * The slots of one probe window from `first`. It ends early at `endsBy` (a maintenance boundary, the moment flapping
 * would settle), so that the workflow wakes to change what the target shows on time; the first slot is always in.
 */
export function windowFrom(first: number, intervalMs: number, windowMs = PROBE_WINDOW_MS, endsBy = Infinity): number[] {
  const count = slotsPerWindow(intervalMs, windowMs);
  return Array.from({ length: count }, (_, i) => first + i * intervalMs).filter((slot, i) => i === 0 || slot < endsBy);
}
