import { GroupCommit } from '../../src/db/group-commit';

/** A batch function that records each batch it is given and answers each item doubled. */
function recorder() {
  const batches: number[][] = [];
  const commit = async (items: number[]) => {
    batches.push(items);
    return items.map((n) => n * 2);
  };
  return { batches, commit };
}

describe('group commit', () => {
  it('sends an item that finds it idle at once when it does not linger', async () => {
    const { batches, commit } = recorder();
    const writes = new GroupCommit(commit, { maxBatch: 100, maxInFlight: 1 });
    const first = writes.submit(1);
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1]]);
    await expect(first).resolves.toBe(2);
  });

  it('holds an item that finds it idle for lingerMs, so that the items after it share its batch', async () => {
    const { batches, commit } = recorder();
    const writes = new GroupCommit(commit, { maxBatch: 100, maxInFlight: 1, lingerMs: 50 });
    const answers = [writes.submit(1)];
    await new Promise((r) => setTimeout(r, 10));
    answers.push(writes.submit(2), writes.submit(3));
    expect(batches).toEqual([]);
    await expect(Promise.all(answers)).resolves.toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('sends a full batch without waiting out the linger', async () => {
    const { batches, commit } = recorder();
    const writes = new GroupCommit(commit, { maxBatch: 3, maxInFlight: 1, lingerMs: 60_000 });
    // Waiting out a minute's linger would outlast the test's time limit.
    await expect(Promise.all([writes.submit(1), writes.submit(2), writes.submit(3)])).resolves.toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });
});
