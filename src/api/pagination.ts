import type { Request, Response } from 'express';
import { z } from 'zod';

/**
 * Keyset pagination, newest first: every list answers `{ data, nextCursor }`, with a `Link: <…>; rel="next"` header
 * when there is a next page. A page is "the `limit` items before the cursor's key", one index range scan however deep
 * the client pages, and stable while items are added: new ones sort before the first page, so a client paging through
 * never sees an item twice or skips one that existed. Most lists are keyed by their time-ordered ids (ULIDs); a
 * target's history by time, incidents by when they opened. The cursor is opaque to clients (base64url JSON), so what
 * it holds can change without breaking them.
 */
export const MAX_PAGE_SIZE = 200;

/** What the OpenAPI document says of every cursor, beyond its type: only the API makes them. */
export const CURSOR_RULE = 'a nextCursor this API gave out';

/** A cursor parameter: read back by `read` from what the API gave out; anything else is refused by name. */
export function cursorField<T>(read: (payload: Record<string, unknown>) => T | undefined) {
  return z
    .string()
    .max(300)
    .transform((cursor, ctx) => {
      try {
        const payload: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
        const key = payload !== null && typeof payload === 'object' ? read(payload as Record<string, unknown>) : undefined;
        if (key !== undefined) return key;
      } catch {
        // falls through to the issue below
      }
      ctx.addIssue({ code: 'custom', message: 'not a cursor this API gave out: use nextCursor from the previous page' });
      return z.NEVER;
    })
    .optional()
    .meta({ description: 'The `nextCursor` of the previous page; leave out for the first page.', 'x-vigil-rule': CURSOR_RULE });
}

export const pageQueryFields = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(50)
    .meta({ description: `Items per page, at most ${MAX_PAGE_SIZE}.` }),
  /** Lists keyed by id: the id of the last item of the previous page. */
  cursor: cursorField(({ after }) => (typeof after === 'string' && /^[a-z]+_[0-9A-Z]{26}$/.test(after) ? after : undefined)),
};

/** The cursor of a list keyed by id. */
export const idCursor = (row: { id: string }) => ({ after: row.id });

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  });

/**
 * Answers a page from up to `limit + 1` rows read (the extra row tells whether there is a next page); `cursorOf` gives
 * the key of its last row, as the list's cursor field reads it back. The next link keeps the request's filters.
 */
export function sendPage<Row>(req: Request, res: Response, rows: Row[], limit: number, represent: (row: Row) => unknown, cursorOf: (row: Row) => object): void {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor = rows.length > limit && last !== undefined ? Buffer.from(JSON.stringify(cursorOf(last))).toString('base64url') : null;
  if (nextCursor) {
    const next = new URL(req.originalUrl, 'http://vigil.invalid');
    next.searchParams.set('cursor', nextCursor);
    res.set('Link', `<${next.pathname}${next.search}>; rel="next"`);
  }
  res.json({ data: page.map(represent), nextCursor });
}
