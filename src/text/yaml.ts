// The one YAML serializer for everything kspray emits. cloud-init reads YAML 1.1, where "on",
// "yes", "0644" and friends change meaning, so strings that look like 1.1 scalars are quoted.
// Objects are built and serialized, never templated as text.
import { Document, isScalar, visit, type Pair, type Tags, type YAMLMap } from 'yaml';

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

/**
 * The `yaml` package's text for `value`: the reference the emitter below reproduces, and what serializes
 * anything the emitter does not handle. Exported for test/text/yamlEmitter.test.ts.
 */
export function yamlPackageText(value: unknown): string {
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

/*
 * Direct emitter (issue 18). `new Document(value)` + `toString()` builds a node tree per document and
 * was the largest JS cost of a big render. The block structure the package prints for plain data is
 * mechanical (stringifyCollection/stringifyPair with indentSeq, no comments, no anchors), so it is
 * printed here; every scalar's text, where the quoting rules of YAML 1.1 live, still comes from the
 * package: each distinct scalar is serialized once as the only value of a one-entry map and cached.
 * Whatever this does not handle exactly throws UNHANDLED and the whole document goes to
 * yamlPackageText: a value that is not plain JSON data, a key with a line break or a key the package
 * prints as an explicit `? key`, a scalar at the root, a scalar text that does not have the shape below.
 */
const UNHANDLED = new Error('not plain YAML data');
const STEP = '  ';
/** Deeper than this is taken for a cycle (the package would overflow the stack instead). */
const MAX_INDENT = 2 * 256;
const SCALAR_CACHE_ENTRIES = 4096;

/**
 * A scalar's text as the value of a map entry one level deep (`k: <text>`, ctx.indent = STEP), or
 * null when its shape is not one the re-indentation below is exact for. The package puts the
 * indentation only right after a line break (block scalars, multi-line quoted scalars), and every
 * break is followed by another break, by the indentation, or ends the text: then moving it to another
 * depth is replacing the STEP after each break. Nothing else in a scalar's text depends on its depth
 * once it is below the root (stringifyString: the root-only cases test `indent === ''`).
 */
function canonicalScalarText(v: string | number | boolean | null): string | null {
  const out = probeText(v);
  const rest = out.slice(2, -1);
  const text = rest.startsWith(' ') ? rest.slice(1) : rest;
  if (`k:${valueSeparator(text)}${text}\n` !== out) return null;
  if (/\n(?!\n|  |$)/.test(text)) return null;
  return text;
}

/**
 * yamlPackageText({ k: v }), on one document kept for it: a new Document sets up its schema (the 1.1
 * tags, OPTIONS.customTags), which costs more than printing one scalar. The value node is made the way
 * the Document constructor makes it, and quoted the way yamlPackageText's pass quotes it.
 */
let probe: { doc: Document; pair: Pair<unknown, unknown> } | undefined;
function probeText(v: string | number | boolean | null): string {
  if (!probe) {
    const doc = new Document({ k: null }, OPTIONS);
    probe = { doc, pair: (doc.contents as YAMLMap<unknown, unknown>).items[0]! };
  }
  const node = probe.doc.createNode(v, OPTIONS);
  if (typeof v === 'string' && needsQuotes(v)) node.type = 'QUOTE_DOUBLE';
  probe.pair.value = node;
  return probe.doc.toString(OPTIONS);
}

/** stringifyPair: no space before an empty value text or one that starts on the next line. */
const valueSeparator = (text: string): string => (text === '' || text.startsWith('\n') ? '' : ' ');

// First in, first out: a render's distinct scalars include every node's own file contents.
const scalarTexts = new Map<string | number | boolean | null, string | null>();
function remember<K, V>(map: Map<K, V>, key: K, value: V): V {
  map.set(key, value);
  if (map.size > SCALAR_CACHE_ENTRIES) map.delete(map.keys().next().value as K);
  return value;
}

function scalarText(v: unknown, indent: string): string {
  switch (typeof v) {
    case 'number':
      // Map keys are SameValueZero: -0 would find 0's text.
      if (!Number.isFinite(v) || Object.is(v, -0)) throw UNHANDLED;
      break;
    case 'string':
    case 'boolean':
      break;
    case 'object':
      if (v === null) break;
      throw UNHANDLED;
    default:
      throw UNHANDLED;
  }
  const key = v as string | number | boolean | null;
  let text = scalarTexts.get(key);
  if (text === undefined) text = remember(scalarTexts, key, canonicalScalarText(key));
  if (text === null) throw UNHANDLED;
  return indent === STEP || !text.includes('\n') ? text : text.replaceAll(`\n${STEP}`, `\n${indent}`);
}

/**
 * A key's text. It depends on the map being the root one: only there does the package quote a key
 * that starts with a document marker (`---`, `...`; plainString's `indent === indentStep`).
 */
const rootKeyTexts = new Map<string, string | null>();
const nestedKeyTexts = new Map<string, string | null>();
function keyText(key: string, root: boolean): string {
  const texts = root ? rootKeyTexts : nestedKeyTexts;
  let text = texts.get(key);
  if (text === undefined) text = remember(texts, key, canonicalKeyText(key, root));
  if (text === null) throw UNHANDLED;
  return text;
}

function canonicalKeyText(key: string, root: boolean): string | null {
  if (key.includes('\n')) return null;
  const out = root ? yamlPackageText({ [key]: 0 }) : yamlPackageText({ k: { [key]: 0 } });
  const head = root ? '' : `k:\n${STEP}`;
  if (!out.startsWith(head) || !out.endsWith(': 0\n')) return null;
  const text = out.slice(head.length, -': 0\n'.length);
  // An explicit key (`? key` on its own line: the package does that past 1024 characters) is not printed here.
  return text.includes('\n') || text.startsWith('? ') ? null : text;
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A collection's text at ctx.indent `indent` (stringifyBlockCollection); `{}` or `[]` when empty. */
function collectionText(v: object, indent: string): string {
  if (indent.length > MAX_INDENT) throw UNHANDLED;
  const inner = indent + STEP;
  let out = '';
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      const text = typeof item === 'object' && item !== null ? collectionText(item, inner) : scalarText(item, inner);
      out += i === 0 ? `- ${text}` : `\n${indent}- ${text}`;
    }
    return out === '' ? '[]' : out;
  }
  // An object with an iterator is a sequence to the package (createNode): not plain data, left to it.
  if (!isPlainObject(v) || Symbol.iterator in v) throw UNHANDLED;
  const root = indent === '';
  for (const key of Object.keys(v)) {
    const value = v[key];
    // YAMLMap.from leaves out entries whose value is undefined.
    if (value === undefined) continue;
    let line = `${keyText(key, root)}:`;
    if (typeof value === 'object' && value !== null) {
      const text = collectionText(value, inner);
      // An empty collection is flow (`{}`, `[]`) on the key's line; any other starts on the next line.
      line += text === '{}' || text === '[]' ? ` ${text}` : `\n${inner}${text}`;
    } else {
      const text = scalarText(value, inner);
      line += valueSeparator(text) + text;
    }
    out += out === '' ? line : `\n${indent}${line}`;
  }
  return out === '' ? '{}' : out;
}

/** The emitter's text for `value`, or undefined when it leaves the document to the package. */
export function emitYaml(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  try {
    return `${collectionText(value, '')}\n`;
  } catch (e) {
    if (e === UNHANDLED) return undefined;
    throw e;
  }
}

function serialize(value: unknown): string {
  return emitYaml(value) ?? yamlPackageText(value);
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
