/** Reads `$.a.b[0].c` out of a parsed JSON value; undefined when any step is missing. */
export function readJsonPath(value: unknown, path: string): unknown {
  const steps = path.replace(/^\$\.?/, '').match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let current = value;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    const key = step.startsWith('[') ? Number(step.slice(1, -1)) : step;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}
