import fc from 'fast-check';
import { renderCalendar } from '../../../src/api/calendars/ical';

// ical.js is an ES module with a CommonJS build for require(); its types are the module's.
type Ical = typeof import('ical.js', { with: { 'resolution-mode': 'import' }}).default;
const ICAL: Ical = require('ical.js');

describe('the iCalendar text of a feed', () => {
  it('reads back, through a real parser, as the events it was made of, whatever their text', () => {
    const event = fc.record({
      uid: fc.stringMatching(/^[a-z0-9_-]{1,40}@vigil$/),
      start: fc.integer({ min: Date.parse('2020-01-01T00:00:00Z') / 1000, max: Date.parse('2030-01-01T00:00:00Z') / 1000 }).map((s) => s * 1000),
      minutes: fc.integer({ min: 1, max: 60 * 24 * 14 }),
      // Commas, semicolons, backslashes, new lines and characters of several UTF-8 lengths, long enough to fold.
      summary: fc.string({ unit: fc.constantFrom('a', ' ', ',', ';', '\\', '\n', '\r', 'é', '日', '🙂'), minLength: 1, maxLength: 120 }),
    });
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z][A-Za-z .-]{0,99}$/), fc.array(event, { maxLength: 5 }), (name, events) => {
        const text = renderCalendar(
          name,
          events.map(({ minutes, ...e }) => ({ ...e, end: e.start + minutes * 60_000 })),
        );
        for (const line of text.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
        const calendar = new ICAL.Component(ICAL.parse(text));
        // ical.js reads an X- property's value as it is written, unescaped: the name is kept plain here.
        expect(calendar.getFirstPropertyValue('x-wr-calname')).toBe(name);
        const parsed = calendar.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
        expect(parsed.map((p) => ({ uid: p.uid, summary: p.summary, start: p.startDate.toJSDate().getTime(), end: p.endDate.toJSDate().getTime() }))).toEqual(
          // Every kind of line break reads back as a new line.
          events.map(({ uid, summary, start, minutes }) => ({ uid, summary: summary.replace(/\r\n|\r/g, '\n'), start, end: start + minutes * 60_000 })),
        );
      }),
    );
  });
});
