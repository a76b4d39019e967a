import type { Request } from 'express';
import { z } from 'zod';
import type { TimePage } from '../../db/time-pages';
import { targetExists } from '../../db/targets';
import { isId } from '../../ids';
import type { ApiDeps } from '../deps';
import { cursorField, pageQueryFields } from '../pagination';
import { Problem, validated } from '../problems';

/**
 * A target's history (results, flips), newest first, a page at a time. The same pages as every list
 * (`{ data, nextCursor }` and a `Link: rel="next"` header, see ../pagination.ts), but keyed by time instead of id: a page
 * is "the `limit` rows before the cursor's instant", one range scan of the (target, time) primary key however deep the
 * client pages. Rows recorded while a client pages are newer than its cursor, so it never sees one twice or skips one.
 */

const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const HistoryQuery = z
  .strictObject({
    from: instant.optional().meta({ description: 'Only rows at or after this instant (RFC 3339).' }),
    to: instant.optional().meta({ description: 'Only rows before this instant (RFC 3339).', 'x-vigil-rule': 'after from' }),
    limit: pageQueryFields.limit,
    // Keyed by time: the instant of the last row of the previous page.
    cursor: cursorField(({ before }) => (typeof before === 'number' && Number.isSafeInteger(before) ? new Date(before) : undefined)),
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

/** The cursor of a history page: the instant of its last row. */
export const timeCursor =
  <Row>(at: (row: Row) => Date) =>
  (row: Row) => ({ before: at(row).getTime() });
