/** How the client writes: tables and colour for people at a terminal, plain JSON for machines. */

export interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: Stream;
  stderr: Stream;
  env: Readonly<Record<string, string | undefined>>;
  /** Reads a file the user named (-f). */
  readFile(path: string): Promise<string>;
  writeFile(path: string, text: string): Promise<void>;
}

/** Colour only on a terminal, and never with NO_COLOR set (no-color.org). */
export function painter(stream: Stream, env: CliIo['env']) {
  const on = Boolean(stream.isTTY) && !env.NO_COLOR;
  const paint = (code: number) => (text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);
  return { green: paint(32), yellow: paint(33), red: paint(31), bold: paint(1), dim: paint(2) };
}
export type Painter = ReturnType<typeof painter>;

/** Columns padded to their widest cell; the header in bold. */
export function table(rows: readonly (readonly string[])[], header: readonly string[], paint?: Painter): string {
  if (rows.length === 0) return '';
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${(paint?.bold ?? String)(line(header))}\n${rows.map(line).join('\n')}\n`;
}

/** A value as one short cell: strings as they are, the rest as JSON. */
export const cell = (value: unknown): string => (value === undefined ? '(unset)' : typeof value === 'string' ? value : JSON.stringify(value));

/**
 * A progress line on a terminal, redrawn in place: a bar, the count and the rate. Nothing when the stream is not a
 * terminal (a CI log gets the summary at the end instead).
 */
export function progressLine(stream: Stream, label: string, now: () => number = Date.now) {
  const started = now();
  let shown = false;
  return {
    update(done: number, total: number, note = '') {
      if (!stream.isTTY || total === 0) return;
      const width = 30;
      const filled = Math.round((done / total) * width);
      const seconds = (now() - started) / 1000;
      const rate = seconds > 0 ? `${(done / seconds).toFixed(1)}/s` : '';
      stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${rate}${note ? ` ${note}` : ''}\u001b[K`);
      shown = true;
    },
    end() {
      if (shown) stream.write('\n');
    },
  };
}
