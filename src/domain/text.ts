import { z } from 'zod';

/**
 * Text that people type (names, titles, notes): spaces around it are dropped, and its length is counted without
 * them. The rule is a pattern, not `.trim().min().max()`, so that the OpenAPI document states it exactly: a
 * JSON Schema `maxLength` would count the spaces too. `\s` is the set `trim()` removes. Pure: used by workflow code.
 */
export function trimmedText(min: 0 | 1, max: number) {
  const inner = `\\S(?:[\\s\\S]{0,${max - 2}}\\S)?`;
  const pattern = new RegExp(`^\\s*${min === 0 ? `(?:${inner})?` : inner}\\s*$`);
  const message = `${min === 0 ? 'at most' : '1 to'} ${max} characters, not counting spaces around them`;
  return z.string().regex(pattern, message).trim();
}
