import { nextSlot, phaseMs, slotsPerWindow, windowEnd } from '../../src/domain/schedule';
import { newId } from '../../src/ids';

/**
 * A new target id whose first probe window, if the target is created now, runs for at least `forMs`. Windows end on
 * boundaries the target id places (src/domain/schedule.ts), so a new target's first window lasts from half a window to a
 * whole one; a test that watches one window at work (its lease, its task token, its takeover) picks an id whose window
 * will not end under it.
 */
export function targetIdWithFirstWindowOf(intervalSeconds: number, forMs: number, now = Date.now()): string {
  const intervalMs = intervalSeconds * 1000;
  for (;;) {
    const id = newId('tgt');
    const phase = phaseMs(id, intervalMs);
    const first = nextSlot(now, intervalMs, phase);
    if (windowEnd(id, first, intervalMs, phase, slotsPerWindow(intervalMs)) - now >= forMs) return id;
  }
}
