import type { Request, Response } from 'express';
import { z } from 'zod';

/**
 * Cursor pagination over time-ordered ids (ULIDs), newest first. A page is "the `limit` items with ids below the
 * cursor's", one index range scan however deep the client pages, and stable while items are added: new ones sort
 * before the first page, so a client paging through never sees an item twice or skips one that existed. The cursor
 * is opaque to clients (base64url JSON), so its contents can change without breaking them.
 */
export const MAX_PAGE_SIZE = 200;

/** What the OpenAPI document says of every cursor, beyond its type: only the API makes them. */
export const CURSOR_RULE = 'a nextCursor this API gave out';

export const pageQueryFields = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(50)
    .meta({ description: `Items per page, at most ${MAX_PAGE_SIZE}.` }),
  cursor: z
    .string()
    .max(200)
    .transform((cursor, ctx) => {
      try {
        const { after } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
        if (typeof after === 'string' && /^[a-z]+_[0-9A-Z]{26}$/.test(after)) return after;
      } catch {
        // falls through to the issue below
      }
      ctx.addIssue({ code: 'custom', message: 'not a cursor this API gave out: use nextCursor from the previous page' });
      return z.NEVER;
    })
    .optional()
    .meta({ description: 'The `nextCursor` of the previous page; leave out for the first page.', 'x-vigil-rule': CURSOR_RULE }),
};

/** Every list answers `{ data, nextCursor }`, with a `Link: <…>; rel="next"` header when there is a next page. */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  });

/**
 * Answers a page from up to `limit + 1` rows read (the extra row tells whether there is a next page). The next link
 * keeps the request's filters.
 */
export function sendPage<Row extends { id: string }>(req: Request, res: Response, rows: Row[], limit: number, represent: (row: Row) => unknown): void {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor = rows.length > limit && last ? Buffer.from(JSON.stringify({ after: last.id })).toString('base64url') : null;
  if (nextCursor) {
    const next = new URL(req.originalUrl, 'http://vigil.invalid');
    next.searchParams.set('cursor', nextCursor);
    res.set('Link', `<${next.pathname}${next.search}>; rel="next"`);
  }
  res.json({ data: page.map(represent), nextCursor });
}
