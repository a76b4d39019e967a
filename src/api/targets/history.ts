import type { Request, Response } from 'express';
import { z } from 'zod';
import type { TimePage } from '../../db/time-pages';
import { targetExists } from '../../db/targets';
import { isId } from '../../ids';
import type { ApiDeps } from '../deps';
import { CURSOR_RULE, MAX_PAGE_SIZE } from '../pagination';
import { Problem, validated } from '../problems';

/**
 * A target's history (results, flips), newest first, a page at a time. The same page shape as every list
 * (`{ data, nextCursor }` and a `Link: rel="next"` header, see ../pagination.ts), but keyed by time instead of id: a page
 * is "the `limit` rows before the cursor's instant", one range scan of the (target, time) primary key however deep the
 * client pages. Rows recorded while a client pages are newer than its cursor, so it never sees one twice or skips one.
 */

const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

const cursor = z
  .string()
  .max(200)
  .transform((value, ctx) => {
    try {
      const { before } = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as { before?: unknown };
      if (typeof before === 'number' && Number.isSafeInteger(before)) return new Date(before);
    } catch {
      // falls through to the issue below
    }
    ctx.addIssue({ code: 'custom', message: 'not a cursor this API gave out: use nextCursor from the previous page' });
    return z.NEVER;
  });

export const HistoryQuery = z
  .strictObject({
    from: instant.optional().meta({ description: 'Only rows at or after this instant (RFC 3339).' }),
    to: instant.optional().meta({ description: 'Only rows before this instant (RFC 3339).', 'x-vigil-rule': 'after from' }),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_PAGE_SIZE)
      .default(50)
      .meta({ description: `Rows per page, at most ${MAX_PAGE_SIZE}.` }),
    cursor: cursor.optional().meta({ description: 'The `nextCursor` of the previous page; leave out for the first page.', 'x-vigil-rule': CURSOR_RULE }),
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { path: ['to'], message: 'must be after from' });

/** Validates the query and the target (404 when it does not exist, or no longer does), and what to read. */
export async function historyWindow(deps: ApiDeps, req: Request<{ id: string }>): Promise<TimePage> {
  const { from, to, cursor: after, limit } = validated(HistoryQuery, req.query, 'query');
  await requireTarget(deps, req.params.id);
  const bounds = [to, after].filter((d): d is Date => d !== undefined);
  return {
    from: from ?? '-infinity',
    before: bounds.length > 0 ? new Date(Math.min(...bounds.map((d) => d.getTime()))) : 'infinity',
    limit,
  };
}

/** 404 unless the target exists: the history of a deleted target stays until retention drops it, but is not shown. */
export async function requireTarget(deps: ApiDeps, id: string): Promise<void> {
  const exists = isId('tgt', id) && (await targetExists(deps.pool, id));
  if (!exists) throw new Problem('not-found', `no target ${id}`);
}

/** Answers a page from up to `limit + 1` rows, newest first (the extra row tells whether there is a next page). */
export function sendHistoryPage<Row>(req: Request, res: Response, rows: Row[], limit: number, at: (row: Row) => Date, represent: (row: Row) => unknown): void {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor = rows.length > limit && last ? Buffer.from(JSON.stringify({ before: at(last).getTime() })).toString('base64url') : null;
  if (nextCursor) {
    const next = new URL(req.originalUrl, 'http://vigil.invalid');
    next.searchParams.set('cursor', nextCursor);
    res.set('Link', `<${next.pathname}${next.search}>; rel="next"`);
  }
  res.json({ data: page.map(represent), nextCursor });
}
