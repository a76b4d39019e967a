import fs from 'node:fs';
import path from 'node:path';

/**
 * A worker evaluates a workflow's modules afresh for every workflow it caches or replays (the SDK keeps a module cache
 * per workflow), so whatever the workflows import at load time is paid in memory per cached workflow and in CPU per
 * cache miss. zod and re2js are the heavy ones (docs/benchmarks.md); workflows may load them only lazily.
 */
const SRC = path.join(__dirname, '..', '..', 'src');
const HEAVY = ['zod', 're2js'];

/**
 * The modules a file loads at load time (imports and re-exports): `import type`, `export type` and clauses of inline
 * `type` specifiers only are erased by the compiler.
 */
function loadTimeImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const imports: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?([\s\S]*?)\s+from\s+'([^']+)';/gm)) {
    const [, typeOnly, clause, from] = m;
    if (typeOnly) continue;
    const names = /^\{([\s\S]*)\}$/.exec(clause!.trim())?.[1];
    if (names?.split(',').every((n) => n.trim() === '' || n.trim().startsWith('type '))) continue;
    imports.push(from!);
  }
  return imports;
}

function resolve(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
}

/** Every package the workflow entry point reaches through load-time imports, with the chain that reaches it. */
function packagesReached(entry: string): Map<string, string[]> {
  const reached = new Map<string, string[]>();
  const seen = new Set<string>();
  const visit = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of loadTimeImports(file)) {
      const local = resolve(file, spec);
      if (local) visit(local, [...chain, path.relative(SRC, local)]);
      else if (!reached.has(spec)) reached.set(spec, chain);
    }
  };
  visit(entry, [path.relative(SRC, entry)]);
  return reached;
}

describe('the workflow bundle', () => {
  const reached = packagesReached(path.join(SRC, 'workflows', 'index.ts'));

  it('reaches the Temporal workflow API (the walk follows imports)', () => {
    expect([...reached.keys()]).toContain('@temporalio/workflow');
  });

  it.each(HEAVY)('loads %s in no workflow at start, only when a handler needs it', (pkg) => {
    const via = [...reached].filter(([spec]) => spec === pkg || spec.startsWith(`${pkg}/`)).map(([, chain]) => chain.join(' → '));
    expect(via).toEqual([]);
  });
});
