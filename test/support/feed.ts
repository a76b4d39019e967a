import FeedParser from 'feedparser';
import { Readable } from 'node:stream';

export type ParsedFeed = { meta: FeedParser['meta']; items: NonNullable<ReturnType<FeedParser['read']>>[] };

/** Parses a feed as a feed reader would (feedparser, strict XML), read from `url`; rejects whatever it cannot parse. */
export function parseFeed(xml: string, url: string): Promise<ParsedFeed> {
  return new Promise((resolve, reject) => {
    const parser = new FeedParser({ strict: true, feedurl: url });
    const items: ParsedFeed['items'] = [];
    parser.on('error', reject);
    parser.on('readable', () => {
      for (let item = parser.read(); item; item = parser.read()) items.push(item);
    });
    parser.on('end', () => resolve({ meta: parser.meta, items }));
    Readable.from([xml]).pipe(parser);
  });
}
