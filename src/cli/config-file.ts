import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { ConfigFileSchema, type ConfigFile } from '../api/config/schema';
import { Problem } from '../api/problems';
import type { z } from 'zod';

/** One fault of a configuration file, where it is: `vigil.yaml:12:7: targets.3.url: must be an absolute … URL`. */
export interface FileError {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the entry's field, e.g. `targets.3.url`; empty for the file as a whole. */
  field: string;
  message: string;
}

export const formatFileError = (e: FileError): string => `${e.file}:${e.line}:${e.column}: ${e.field ? `${e.field}: ` : ''}${e.message}`;

/** A file refused whole, with every fault found; nothing was sent to the server. */
export class InvalidConfigFile extends Error {
  override name = 'InvalidConfigFile';
  constructor(readonly errors: FileError[]) {
    super(errors.map(formatFileError).join('\n'));
  }
}

/** A configuration file read and checked, with a way to say where any of its fields is. */
export interface LoadedConfig {
  config: ConfigFile;
  /** Where a field is in the file: its value (or its name, `at: 'key'`), or for a missing field the entry that lacks it. */
  locate(path: readonly (string | number)[], message: string, at?: 'value' | 'key'): FileError;
}

/**
 * Reads a configuration file (YAML, or JSON, which is YAML): syntax, `${NAME}` substitution from `env`, then the
 * schema; every fault is collected, each with its line and column, and any fault refuses the whole file. `$${` writes
 * a literal `${`.
 */
export function loadConfig(file: string, text: string, env: Readonly<Record<string, string | undefined>>): LoadedConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, field: string, message: string): FileError => {
    const { line, col } = lines.linePos(offset);
    return { file, line, column: col, field, message };
  };
  const syntax = [...doc.errors, ...doc.warnings].map((e) => at(e.pos[0], '', e.message.split('\n')[0]!));
  if (syntax.length > 0) throw new InvalidConfigFile(syntax);

  const locate = (path: readonly (string | number)[], message: string, atKey: 'value' | 'key' = 'value'): FileError => {
    const { node, missing } = deepest(doc, path, atKey);
    const offset = node?.range?.[0] ?? 0;
    return at(offset, path.join('.'), missing ? `${message} (in this entry)` : message);
  };

  const unset = substitute(doc, env);
  if (unset.length > 0) throw new InvalidConfigFile(unset.map(({ path, name }) => locate(path, `the environment variable ${name} is not set`)));

  const parsed = ConfigFileSchema.safeParse(doc.toJS() ?? {}) as z.ZodSafeParseResult<ConfigFile>;
  if (!parsed.success) {
    const errors = Problem.invalid(parsed.error).extra.errors ?? [];
    // Problem.invalid names an unknown field by its path, with this message: the field's name is where it is.
    throw new InvalidConfigFile(errors.map(({ field, message }) => locate(pathOf(field), message, message === 'unknown field' ? 'key' : 'value')));
  }
  const duplicates = duplicateKeys(parsed.data).map(({ path, message }) => locate(path, message));
  if (duplicates.length > 0) throw new InvalidConfigFile(duplicates);
  return { config: parsed.data, locate };
}

/** `targets.3.url` as the path the YAML document is walked by. */
const pathOf = (field: string): (string | number)[] => (field === '(root)' ? [] : field.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part)));

/** The node at `path` (its value, or its key), or the deepest one on the way there when the field is missing (its entry). */
function deepest(doc: Document, path: readonly (string | number)[], at: 'value' | 'key'): { node: Node | undefined; missing: boolean } {
  let node = doc.contents as Node | undefined;
  for (const [i, part] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === part);
      if (!pair) return { node, missing: true };
      node = (i === path.length - 1 && (at === 'key' || !pair.value) ? pair.key : pair.value) as Node | undefined;
    } else if (isSeq(node) && typeof part === 'number' && node.items[part]) {
      node = node.items[part] as Node;
    } else {
      return { node, missing: true };
    }
  }
  return { node, missing: false };
}

/** Replaces `${NAME}` in every string value with the environment's value; answers the names that are not set, and where. */
function substitute(doc: Document, env: Readonly<Record<string, string | undefined>>): { path: (string | number)[]; name: string }[] {
  const unset: { path: (string | number)[]; name: string }[] = [];
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const path = ancestors.flatMap((a, i): (string | number)[] => {
        if (isPair(a)) return [String((a.key as { value?: unknown } | null)?.value)];
        if (isSeq(a)) return [a.items.indexOf((ancestors[i + 1] ?? node) as never)];
        return [];
      });
      node.value = node.value.replace(/\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, escaped: string, name: string) => {
        if (escaped) return whole.slice(1);
        const value = env[name];
        if (value === undefined) unset.push({ path, name });
        return value ?? '';
      });
    },
  });
  return unset;
}

/** Two entries of a kind with the same key (status pages: the same slug) would be one resource: each second one is named. */
export function duplicateKeys(config: ConfigFile): { path: (string | number)[]; message: string }[] {
  const kinds: [string, string[], string][] = [
    ['users', config.users.map((u) => u.key), 'key'],
    ['rotations', config.rotations.map((r) => r.key), 'key'],
    ['schedules', config.schedules.map((s) => s.key), 'key'],
    ['targets', config.targets.map((t) => t.key), 'key'],
    ['channels', config.channels.map((c) => c.key), 'key'],
    ['escalationPolicies', config.escalationPolicies.map((p) => p.key), 'key'],
    ['statusPages', config.statusPages.map((p) => p.slug), 'slug'],
  ];
  return kinds.flatMap(([kind, keys, field]) => {
    const first = new Map<string, number>();
    return keys.flatMap((key, i) => {
      const earlier = first.get(key);
      if (earlier === undefined) {
        first.set(key, i);
        return [];
      }
      return [{ path: [kind, i, field], message: `"${key}" is already the ${field} of ${kind}.${earlier}` }];
    });
  });
}
