/**
 * Runs `each` over `items`, at most `limit` at once; after a failure it starts no more, and throws once those running
 * end. Shared by the API's bulk create and the command-line client's apply.
 */
export async function forEachAtMost<T>(limit: number, items: readonly T[], each: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const lane = async () => {
    while (next < items.length && failures.length === 0) {
      const i = next++;
      await each(items[i]!, i).catch((err: unknown) => void failures.push(err));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failures.length > 0) throw failures[0];
}
