import { painter, progressLine, table } from '../../src/cli/output';

/** What people see: colour only on a terminal, tables that line up, a progress line with its rate. */
describe('the client’s output', () => {
  const sink = (isTTY: boolean) => {
    const written: string[] = [];
    return { stream: { isTTY, write: (t: string) => written.push(t) }, written };
  };

  it('colours on a terminal only, and never with NO_COLOR set', () => {
    expect(painter(sink(true).stream, {}).red('down')).toBe('\u001b[31mdown\u001b[0m');
    expect(painter(sink(false).stream, {}).red('down')).toBe('down');
    expect(painter(sink(true).stream, { NO_COLOR: '1' }).red('down')).toBe('down');
  });

  it('pads each column to its widest cell', () => {
    expect(
      table(
        [
          ['tgt_1', 'up'],
          ['tgt_22', 'down'],
        ],
        ['ID', 'STATE'],
      ),
    ).toBe('ID      STATE\ntgt_1   up\ntgt_22  down\n');
    expect(table([], ['ID'])).toBe('');
  });

  it('redraws one progress line with the count and the rate on a terminal, and writes nothing elsewhere', () => {
    let now = 0;
    const tty = sink(true);
    const line = progressLine(tty.stream, 'applying', () => now);
    now = 2000;
    line.update(50, 100);
    line.end();
    expect(tty.written).toEqual([`\rapplying [${'#'.repeat(15)}${'.'.repeat(15)}] 50/100 25.0/s\u001b[K`, '\n']);

    const log = sink(false);
    const quiet = progressLine(log.stream, 'applying', () => now);
    quiet.update(50, 100);
    quiet.end();
    expect(log.written).toEqual([]);
  });
});
