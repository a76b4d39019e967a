/**
 * Text made safe for HTML and XML (the page, its feed, the badges): the five characters with a meaning there become
 * entities, and characters XML 1.0 forbids (controls, lone surrogates, U+FFFE/FFFF) are dropped, so a name or a
 * message is always shown as the text it is and never breaks or extends the markup around it.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the control characters XML forbids is the point
const SPECIAL = /[&<>"']|[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export const escapeMarkup = (text: string): string => text.replace(SPECIAL, (c) => ENTITIES[c] ?? '');
