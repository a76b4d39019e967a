import {
  FIRST_PROBE_WINDOW_MS,
  PROBE_WINDOW_MS,
  TEN_MINUTE_WINDOW_MS,
  nextSlot,
  phaseMs,
  slotsPerWindow,
  windowFrom,
  MAX_SLOTS_PER_WINDOW,
} from '../../src/domain/schedule';

describe('probe schedule', () => {
  it('puts every slot of a target on one grid: phase + k * interval', () => {
    const interval = 60_000;
    const phase = phaseMs('tgt_01M8B7Z5CFY505SXTDD14RPC6R', interval);
    const first = nextSlot(1_800_000_000_123, interval, phase);
    expect(first).toBeGreaterThan(1_800_000_000_123);
    expect(first - 1_800_000_000_123).toBeLessThanOrEqual(interval);
    expect((first - phase) % interval).toBe(0);
    expect(nextSlot(first, interval, phase)).toBe(first + interval);
    expect(nextSlot(first - 1, interval, phase)).toBe(first);
  });

  it('derives the phase from the target id alone, so a restarted workflow keeps its grid', () => {
    expect(phaseMs('tgt_A', 30_000)).toBe(phaseMs('tgt_A', 30_000));
    expect(phaseMs('tgt_A', 30_000)).not.toBe(phaseMs('tgt_B', 30_000));
  });

  it('spreads 10,000 targets with one interval evenly: no second holds more than twice its share', () => {
    const interval = 60_000;
    const perSecond = new Array(60).fill(0);
    for (let i = 0; i < 10_000; i++) perSecond[Math.floor(phaseMs(`tgt_${i.toString(36).padStart(26, '0')}`, interval) / 1000)]++;
    expect(Math.max(...perSecond)).toBeLessThan((2 * 10_000) / 60);
    expect(Math.min(...perSecond)).toBeGreaterThan(10_000 / 60 / 2);
  });

  it('covers twenty minutes of slots per activity, one slot for intervals over five minutes, and never more than the cap', () => {
    expect(slotsPerWindow(20_000)).toBe(60);
    expect(slotsPerWindow(60_000)).toBe(20);
    expect(slotsPerWindow(300_000)).toBe(4);
    expect(slotsPerWindow(300_001)).toBe(1);
    expect(slotsPerWindow(1_000)).toBe(MAX_SLOTS_PER_WINDOW);
    expect(windowFrom(5_000, 60_000).slice(0, 3)).toEqual([5_000, 65_000, 125_000]);
  });

  it('ends a window early at a boundary (maintenance, flapping settling), always keeping its first slot', () => {
    expect(windowFrom(0, 60_000, PROBE_WINDOW_MS, 150_000)).toEqual([0, 60_000, 120_000]);
    expect(windowFrom(0, 60_000, PROBE_WINDOW_MS, 0)).toEqual([0]);
  });

  it('still covers two and ten minutes in workflow runs from before the patches that lengthened windows', () => {
    expect(slotsPerWindow(60_000, FIRST_PROBE_WINDOW_MS)).toBe(2);
    expect(slotsPerWindow(20_000, TEN_MINUTE_WINDOW_MS)).toBe(30);
    expect(windowFrom(5_000, 20_000, FIRST_PROBE_WINDOW_MS)).toEqual([5_000, 25_000, 45_000, 65_000, 85_000, 105_000]);
  });
});
