// Guards on the YAML document before anything expands or validates it, each linear in its size:
// duplicate keys (the yaml library's own uniqueKeys check compares every key with every earlier
// one: 32k labels took 19 s), aliases that resolve to nothing or to their own parent, and how big
// the document is once its aliases are expanded (an alias bomb is a few hundred bytes).
import { isAlias, isCollection, isMap, isPair, isScalar, type Alias, type Document, type LineCounter, type Node } from 'yaml';
import type { Problem } from '../errors/errors.js';
import { messages } from '../errors/messages.js';

/** Larger than any real cluster spec by far (a 5000-node spec is ~0.4 MB); parsing it stays a few seconds. */
export const MAX_SPEC_BYTES = 1024 * 1024;
/** YAML nodes once aliases are expanded: what toJS would build and zod would walk. */
export const MAX_EXPANDED_NODES = 250_000;
/** Kubernetes' own scalability limit: clusters of at most 5000 nodes. */
export const MAX_CLUSTER_NODES = 5000;
/** Labels or taints on one node or pool; kubelet passes them on its command line. */
export const MAX_LABELS_PER_NODE = 1000;

type Where = Pick<Problem, 'position'>;

function at(node: { range?: [number, number, number] | null } | null | undefined, lines: LineCounter): Where {
  const offset = node?.range?.[0];
  return offset === undefined ? {} : { position: lines.linePos(offset) };
}

/** 1-based line and column (in characters) of `index` in `text`. */
export function positionIn(text: string, index: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: index - lineStart + 1 };
}

/** The spec text itself: its size, and no control bytes (a binary file is not a spec). */
export function checkText(text: string): Problem[] {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SPEC_BYTES) return [messages.specTooLarge(`${bytes} bytes`, `${MAX_SPEC_BYTES} bytes`)];
  // YAML allows tab, LF, CR and printable characters only; NUL and friends mean a binary file.
  const m = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/.exec(text);
  if (m) return [{ ...messages.specNotText(m[0].codePointAt(0)!), position: positionIn(text, m.index) }];
  return [];
}

/**
 * Duplicate keys, bad aliases, expansion size: one pass over the parsed document. Sizes are
 * memoized per node, so the pass is linear in the text however far the aliases would expand.
 */
export function checkDocument(doc: Document.Parsed, lines: LineCounter): Problem[] {
  const problems: Problem[] = [];
  // Expanded size of each node reached so far; undefined while its subtree is being walked.
  const sizes = new Map<Node, number | undefined>();
  let tooLarge = false;

  const sizeOf = (node: unknown): number => {
    if (node === null || node === undefined) return 0;
    if (isAlias(node)) return sizeOfAlias(node);
    if (sizes.has(node as Node)) return sizes.get(node as Node) ?? 0;
    if (!isCollection(node)) return 1;
    sizes.set(node, undefined);
    if (isMap(node)) checkUniqueKeys(node.items);
    let size = 1;
    let firstAlias: Alias | undefined;
    for (const item of node.items) {
      const parts = isPair(item) ? [item.key, item.value] : [item];
      for (const part of parts) {
        if (isAlias(part)) firstAlias ??= part;
        size += sizeOf(part);
      }
    }
    sizes.set(node, size);
    // The innermost collection that crosses the limit is reached first (post-order): point at the
    // alias that made it grow, if any; a document that is simply that large has the byte limit.
    if (size > MAX_EXPANDED_NODES && !tooLarge) {
      tooLarge = true;
      problems.push(
        firstAlias
          ? { ...messages.yamlAliasExpansion(firstAlias.source, MAX_EXPANDED_NODES), ...at(firstAlias, lines) }
          : { ...messages.specTooLarge(`more than ${MAX_EXPANDED_NODES} YAML nodes`, `${MAX_EXPANDED_NODES}`), ...at(node, lines) },
      );
    }
    return size;
  };

  const sizeOfAlias = (alias: Alias): number => {
    const target = alias.resolve(doc);
    if (target === undefined) {
      problems.push({ ...messages.yamlAliasUnresolved(alias.source), ...at(alias, lines) });
      return 1;
    }
    if (sizes.has(target) && sizes.get(target) === undefined) {
      problems.push({ ...messages.yamlAliasCycle(alias.source), ...at(alias, lines) });
      return 1;
    }
    return sizeOf(target);
  };

  const checkUniqueKeys = (items: unknown[]) => {
    const seen = new Set<string>();
    for (const item of items) {
      if (!isPair(item) || !isScalar(item.key)) continue;
      const key = `${typeof item.key.value}:${String(item.key.value)}`;
      if (seen.has(key)) problems.push({ ...messages.yamlSyntax('Map keys must be unique'), ...at(item.key as Node, lines) });
      seen.add(key);
    }
  };

  sizeOf(doc.contents);
  return problems;
}

/** Counts on the plain data (before the schema): nodes, pools, labels and taints per node. */
export function checkCounts(data: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  const spec = data.spec as Record<string, unknown> | undefined;
  if (!spec || typeof spec !== 'object') return problems;
  const lists = (['nodes', 'pools'] as const).map((k) => [k, Array.isArray(spec[k]) ? (spec[k] as unknown[]) : []] as const);
  const count = lists.reduce((n, [, l]) => n + l.length, 0);
  if (count > MAX_CLUSTER_NODES) problems.push({ ...messages.tooManyNodes(count, MAX_CLUSTER_NODES), path: ['spec', lists[0][1].length > MAX_CLUSTER_NODES ? 'nodes' : 'pools'] });
  for (const [list, items] of lists) {
    items.slice(0, MAX_CLUSTER_NODES + 1).forEach((item, i) => {
      if (!item || typeof item !== 'object') return;
      const node = item as Record<string, unknown>;
      for (const field of ['labels', 'taints'] as const) {
        const value = node[field];
        const n = Array.isArray(value) ? value.length : value && typeof value === 'object' ? Object.keys(value).length : 0;
        if (n > MAX_LABELS_PER_NODE) problems.push({ ...messages.tooManyLabels(field, n, MAX_LABELS_PER_NODE), path: ['spec', list, i, field] });
      }
    });
  }
  return problems;
}
