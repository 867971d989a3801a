// The one YAML serializer for everything kspray emits. cloud-init reads YAML 1.1, where "on",
// "yes", "0644" and friends change meaning, so strings that look like 1.1 scalars are quoted.
// Objects are built and serialized, never templated as text.
import { Document, isScalar, visit, type Tags } from 'yaml';

// No merge-key tag: kspray never writes merges, and with it the `yaml` package prints the string "<<" bare.
const OPTIONS = {
  version: '1.1',
  lineWidth: 0,
  aliasDuplicateObjects: false,
  sortMapEntries: false,
  customTags: (tags: Tags) => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:merge'),
} as const;

/**
 * Plain scalars the `yaml` package leaves unquoted but PyYAML's SafeLoader (what cloud-init reads
 * with) cannot read back: "=" and "<<" resolve to the 1.1 value and merge types, which it refuses to
 * construct, and a tab inside a one-line plain scalar is a scanner error. Any of them makes cloud-init
 * drop the whole document. test/invariants/yaml11.test.ts reads such strings back through cloud-init.
 */
const needsQuotes = (v: string): boolean => v === '=' || v === '<<' || (v.includes('\t') && !v.includes('\n'));

/** True when some string anywhere in `value` needs quotes: only then is the document visited (the walk is ~10× cheaper than yaml's visit). */
function anyNeedsQuotes(value: unknown): boolean {
  if (typeof value === 'string') return needsQuotes(value);
  if (Array.isArray(value)) return value.some(anyNeedsQuotes);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([k, v]) => needsQuotes(k) || anyNeedsQuotes(v));
  return false;
}

function serialize(value: unknown): string {
  const doc = new Document(value, OPTIONS);
  if (anyNeedsQuotes(value)) {
    visit(doc, {
      Scalar(_key, node) {
        if (isScalar(node) && typeof node.value === 'string' && needsQuotes(node.value)) node.type = 'QUOTE_DOUBLE';
      },
    });
  }
  return doc.toString(OPTIONS);
}

/**
 * Documents identical across nodes (the proxy pod, kubeadm's join config, manifests) are serialized
 * once: at 3 control planes + 1,000 workers yaml.stringify was 10–20% of a render, mostly re-serializing
 * them. The key is the JSON text of the value, which is the same exactly when the YAML is (same keys in
 * the same order, same types), for values that are plain JSON data; anything else (undefined, -0,
 * non-finite numbers, class instances) bypasses the cache. Least recently used entries go first.
 */
const CACHE_ENTRIES = 512;
const cache = new Map<string, string>();

/**
 * Plain JSON data: what JSON.stringify prints exactly (no undefined, -0, non-finite number, bigint,
 * function, symbol or class instance anywhere). A walk, not a JSON.stringify replacer: the replacer is a
 * call from native code per value, and was a third of a big render's YAML time.
 */
function isPlainJson(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object': {
      if (v === null) return true;
      if (Array.isArray(v)) {
        // An index loop, not every(): a hole is undefined (JSON prints null there).
        for (let i = 0; i < v.length; i++) if (!isPlainJson(v[i])) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const k in v) if (!isPlainJson((v as Record<string, unknown>)[k])) return false;
      return true;
    }
    default:
      return false;
  }
}

function jsonKey(value: unknown): string | undefined {
  return isPlainJson(value) ? JSON.stringify(value) : undefined;
}

function cached(value: unknown, make: () => string): string {
  const key = jsonKey(value);
  if (key === undefined) return make();
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const text = make();
  cache.set(key, text);
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return text;
}

export function toYaml(value: unknown): string {
  return cached(value, () => serialize(value));
}

/** For a document no other node has: the cache's JSON key would only cost. */
export function toYamlUnique(value: unknown): string {
  return serialize(value);
}

/**
 * A top-level map whose `listKey` holds a long block sequence of items most nodes share (a
 * cloud-config's write_files): the same text as toYamlUnique(value), with each item serialized once
 * through the cache. At 3 control planes + 1,000 workers whole cloud-configs were 17% of a render's
 * CPU, nearly all of it re-serializing files every worker has. An item's text does not depend on its
 * neighbours: serialized as the only item under `listKey` at the top level it has the indentation it
 * has in the whole document, and the sequence is its items one after another
 * (test/text/yamlCache.test.ts compares both on awkward contents; the goldens on every payload).
 */
export function toYamlWithSharedItems(value: Record<string, unknown>, listKey: string): string {
  const items = value[listKey];
  if (!Array.isArray(items) || items.length === 0) return serialize(value);
  const head = `${listKey}:\n`;
  const itemText = (item: unknown): string | undefined => {
    const text = cached({ [listKey]: [item] }, () => serialize({ [listKey]: [item] }));
    return text.startsWith(head) ? text.slice(head.length) : undefined;
  };
  const texts = items.map(itemText);
  // Top-level keys are the only lines at column 0, so the empty list's line is found exactly once.
  const skeleton = serialize({ ...value, [listKey]: [] });
  const empty = `${listKey}: []\n`;
  const at = skeleton.startsWith(empty) ? 0 : skeleton.indexOf(`\n${empty}`) + 1;
  // Stryker disable next-line ConditionalExpression: a fallback for shapes kspray never emits; the result is the same text
  if (at === 0 && !skeleton.startsWith(empty)) return serialize(value);
  if (texts.some((t) => t === undefined)) return serialize(value);
  return `${skeleton.slice(0, at)}${head}${texts.join('')}${skeleton.slice(at + empty.length)}`;
}

/** A multi-document YAML stream (kubeadm configs, manifest sets). */
export function toYamlStream(docs: unknown[]): string {
  return docs.map((d) => toYaml(d)).join('---\n');
}
