import { initialFlapState, noteChange, settle, settlesAt } from '../../src/domain/flapping';

const policy = { changes: 3, windowSeconds: 600 };

describe('flapping', () => {
  it('starts when enough changes fall within the window', () => {
    let s = initialFlapState();
    s = noteChange(s, 0, policy);
    s = noteChange(s, 100_000, policy);
    expect(s.flapping).toBe(false);
    s = noteChange(s, 200_000, policy);
    expect(s.flapping).toBe(true);
  });

  it('does not start when the changes are spread wider than the window', () => {
    let s = initialFlapState();
    for (const t of [0, 400_000, 800_000, 1_200_000]) s = noteChange(s, t, policy);
    expect(s.flapping).toBe(false);
  });

  it('ends once a whole window passes without a change, not before', () => {
    let s = initialFlapState();
    for (const t of [0, 10_000, 20_000]) s = noteChange(s, t, policy);
    expect(settle(s, 619_999, policy).flapping).toBe(true);
    expect(settle(s, 620_000, policy).flapping).toBe(false);
  });

  it('says when it will settle, so a probe window can end then', () => {
    let s = initialFlapState();
    for (const t of [0, 10_000]) s = noteChange(s, t, policy);
    expect(settlesAt(s, policy)).toBeUndefined();
    s = noteChange(s, 20_000, policy);
    expect(settlesAt(s, policy)).toBe(620_000);
  });
});
