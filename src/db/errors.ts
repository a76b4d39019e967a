/** The SQLSTATE of an error Postgres answered (pg's `code`); empty for anything else. */
const sqlState = (err: unknown): string => {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : '';
};

/**
 * Postgres refused the row for what it holds: a data exception (class 22: NUL in text, a value out of range) or a
 * constraint it breaks (class 23). Sending the same row again fails again, unless the row it conflicts with changes.
 */
export const isRefusedRow = (err: unknown): boolean => /^2[23]/.test(sqlState(err));

/**
 * Refused, and no concurrent write can change that: every data exception and every broken constraint but a unique
 * one. A unique conflict may end when the other row goes (an incident closing frees "one open incident per target").
 */
export const isRefusedForGood = (err: unknown): boolean => isRefusedRow(err) && sqlState(err) !== '23505';
