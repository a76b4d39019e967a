import { judgeHeartbeat } from '../../src/domain/heartbeat';

const MIN = 60_000;
const timing = { periodMs: 60 * MIN, graceMs: 10 * MIN };

describe('judging a heartbeat target', () => {
  it('is up until its last ping is older than the period plus the grace, then down', () => {
    const latest = { success: 0 };
    expect(judgeHeartbeat(latest, 69 * MIN, timing)).toEqual({ outcome: 'up', nextCheckAt: 70 * MIN });
    expect(judgeHeartbeat(latest, 70 * MIN, timing)).toMatchObject({
      outcome: 'down',
      error: 'no ping since 1970-01-01T00:00:00.000Z (expected every 3600 s, grace 600 s)',
      nextCheckAt: 130 * MIN,
    });
  });

  it('gives a new target one period and grace for its first ping, then calls it down', () => {
    expect(judgeHeartbeat({}, 30 * MIN, { ...timing, watchingSince: 0 })).toEqual({ outcome: 'up', nextCheckAt: 70 * MIN });
    expect(judgeHeartbeat({}, 70 * MIN, { ...timing, watchingSince: 0 })).toMatchObject({ outcome: 'down', error: expect.stringMatching(/^no ping yet/) });
    expect(judgeHeartbeat({}, 1, timing)).toMatchObject({ outcome: 'down' });
  });

  it('is down when the job reported failure after its last success, and up again on the next success', () => {
    expect(judgeHeartbeat({ success: 0, fail: 5 * MIN }, 6 * MIN, timing)).toMatchObject({
      outcome: 'down',
      error: 'the job reported failure at 1970-01-01T00:05:00.000Z',
    });
    expect(judgeHeartbeat({ success: 7 * MIN, fail: 5 * MIN }, 8 * MIN, timing)).toMatchObject({ outcome: 'up' });
  });

  it('measures the run time from /start to the success that follows it', () => {
    expect(judgeHeartbeat({ start: MIN, success: 4 * MIN }, 5 * MIN, timing)).toMatchObject({ outcome: 'up', durationMs: 3 * MIN });
    expect(judgeHeartbeat({ start: 5 * MIN, success: 4 * MIN }, 6 * MIN, timing).durationMs).toBeUndefined();
  });
});
