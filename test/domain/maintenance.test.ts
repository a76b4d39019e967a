import { announcedMaintenance, maintenanceAt } from '../../src/domain/maintenance';
import { MaintenanceWindowSchema, type MaintenanceWindow } from '../../src/domain/target';

const at = (iso: string) => Date.parse(iso);
const windows = (...w: unknown[]) => w.map((x) => MaintenanceWindowSchema.parse(x)) as MaintenanceWindow[];

describe('maintenance windows', () => {
  it('a one-off window holds from its start (inclusive) to its end (exclusive)', () => {
    const w = windows({ start: '2026-03-01T10:00:00Z', end: '2026-03-01T12:00:00Z' });
    expect(maintenanceAt(w, at('2026-03-01T09:59:59Z'))).toEqual({ inside: false, nextChange: at('2026-03-01T10:00:00Z') });
    expect(maintenanceAt(w, at('2026-03-01T10:00:00Z'))).toEqual({ inside: true, nextChange: at('2026-03-01T12:00:00Z') });
    expect(maintenanceAt(w, at('2026-03-01T12:00:00Z'))).toEqual({ inside: false, nextChange: undefined });
  });

  it('a recurring window repeats on its days at its local time', () => {
    // 2026-03-01 is a Sunday.
    const w = windows({ days: ['sun'], at: '02:00', durationMinutes: 60 });
    expect(maintenanceAt(w, at('2026-03-01T02:30:00Z')).inside).toBe(true);
    expect(maintenanceAt(w, at('2026-03-02T02:30:00Z')).inside).toBe(false);
    expect(maintenanceAt(w, at('2026-03-08T02:59:59Z')).inside).toBe(true);
    expect(maintenanceAt(w, at('2026-03-02T00:00:00Z')).nextChange).toBe(at('2026-03-08T02:00:00Z'));
  });

  it('keeps local time across a daylight-saving change', () => {
    // Europe/Paris moves from UTC+1 to UTC+2 on 2026-03-29.
    const w = windows({ days: ['sun'], at: '04:00', durationMinutes: 30, timeZone: 'Europe/Paris' });
    expect(maintenanceAt(w, at('2026-03-22T03:10:00Z')).inside).toBe(true); // 04:10 at UTC+1
    expect(maintenanceAt(w, at('2026-03-29T02:10:00Z')).inside).toBe(true); // 04:10 at UTC+2
    expect(maintenanceAt(w, at('2026-03-29T03:10:00Z')).inside).toBe(false);
  });

  it('runs across midnight and combines with other windows', () => {
    const w = windows({ days: ['sat'], at: '23:00', durationMinutes: 120 }, { start: '2026-03-10T00:00:00Z', end: '2026-03-10T01:00:00Z' });
    expect(maintenanceAt(w, at('2026-03-08T00:30:00Z')).inside).toBe(true); // Sunday 00:30, from Saturday 23:00
    expect(maintenanceAt(w, at('2026-03-10T00:30:00Z')).inside).toBe(true);
  });

  it('refuses windows that make no sense', () => {
    expect(MaintenanceWindowSchema.safeParse({ start: '2026-03-01T12:00:00Z', end: '2026-03-01T10:00:00Z' }).success).toBe(false);
    expect(MaintenanceWindowSchema.safeParse({ days: ['sun'], at: '25:00', durationMinutes: 10 }).success).toBe(false);
    expect(MaintenanceWindowSchema.safeParse({ days: ['sun'], at: '02:00', durationMinutes: 10, timeZone: 'Mars/Olympus' }).success).toBe(false);
    expect(MaintenanceWindowSchema.safeParse({ days: [], at: '02:00', durationMinutes: 10 }).success).toBe(false);
  });

  describe('as a status page announces them', () => {
    const WEEK = 7 * 86_400_000;

    it('shows of each window the occurrence going on or the next one within the notice, earliest first', () => {
      // 2026-03-04 is a Wednesday.
      const w = windows(
        { days: ['sun'], at: '02:00', durationMinutes: 60 },
        { start: '2026-03-04T11:00:00Z', end: '2026-03-04T13:00:00Z' },
        { start: '2026-04-01T10:00:00Z', end: '2026-04-01T11:00:00Z' },
        { start: '2026-03-01T10:00:00Z', end: '2026-03-01T11:00:00Z' },
      );
      expect(announcedMaintenance(w, at('2026-03-04T12:00:00Z'), WEEK)).toEqual([
        { startsAt: at('2026-03-04T11:00:00Z'), endsAt: at('2026-03-04T13:00:00Z') },
        { startsAt: at('2026-03-08T02:00:00Z'), endsAt: at('2026-03-08T03:00:00Z') },
      ]);
    });

    it('announces nothing beyond the notice, nor what has ended', () => {
      const w = windows({ start: '2026-03-12T10:00:00Z', end: '2026-03-12T11:00:00Z' });
      expect(announcedMaintenance(w, at('2026-03-04T12:00:00Z'), WEEK)).toEqual([]);
      expect(announcedMaintenance(w, at('2026-03-12T11:00:00Z'), WEEK)).toEqual([]);
      expect(announcedMaintenance(w, at('2026-03-12T10:59:00Z'), WEEK)).toHaveLength(1);
    });
  });
});
