import { escapeMarkup } from '../../../src/api/public/markup';

describe('text made safe for HTML and XML', () => {
  it('turns the five characters with a meaning there into entities', () => {
    expect(escapeMarkup(`<a href="x" title='y'>Tom & Jerry</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;Tom &amp; Jerry&lt;/a&gt;');
  });

  it('drops the characters XML 1.0 forbids, and keeps tabs, line breaks and whole surrogate pairs', () => {
    expect(escapeMarkup('a\u0000b\u0007c\u001Fd\uFFFEe\uFFFF')).toBe('abcde');
    expect(escapeMarkup('lone \uD83D and \uDE00 halves')).toBe('lone  and  halves');
    expect(escapeMarkup('tab\there\nline\r\n😀 é')).toBe('tab\there\nline\r\n😀 é');
  });
});
