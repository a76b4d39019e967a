/** The few parts of feedparser (no types of its own) that test/support/feed.ts uses. */
declare module 'feedparser' {
  import { Transform } from 'node:stream';
  interface Item {
    title: string;
    guid: string;
    link: string;
    description: string;
    date: Date | null;
    pubdate: Date | null;
    /** The element as parsed: `#` is its text. */
    'atom:title': { '#': string };
  }
  class FeedParser extends Transform {
    constructor(options?: { strict?: boolean; feedurl?: string; normalize?: boolean; addmeta?: boolean });
    meta: {
      'atom:title': { '#': string };
      title: string;
      description: string;
      link: string;
      xmlurl: string;
      date: Date | null;
      '#type': string;
      '#version': string;
    };
    read(): Item | null;
  }
  export = FeedParser;
}
