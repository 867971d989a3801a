// The one YAML serializer for everything kspray emits. cloud-init reads YAML 1.1, where "on",
// "yes", "0644" and friends change meaning, so strings that look like 1.1 scalars are quoted.
// Objects are built and serialized, never templated as text.
import { Document, isScalar, visit, type Scalar as YamlScalar, type Tags, type YAMLSeq } from 'yaml';

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
 * package, once per distinct scalar (cached). Whatever this does not handle exactly throws UNHANDLED
 * and the whole document goes to yamlPackageText: a value that is not plain JSON data, a key with a
 * line break or a key the package prints as an explicit `? key`, a scalar at the root, a scalar text
 * that does not have the shape below.
 */
const UNHANDLED = new Error('not plain YAML data');
const STEP = '  ';
/** Deeper than this is taken for a cycle (the package would overflow the stack instead). */
const MAX_DEPTH = 256;
const SCALAR_CACHE_ENTRIES = 4096;

type Scalar = string | number | boolean | null;

/**
 * A scalar's text from the package at ctx.indent STEP (`canonical`; null when its shape is not one the
 * re-indentation is exact for), and its text at the indentation it was last asked for. The package puts
 * the indentation only right after a line break (block scalars, multi-line quoted scalars), and every
 * break is followed by another break, by the indentation, or ends the text: then moving it to another
 * depth is replacing the STEP after each break. Nothing else in a scalar's text depends on its depth or
 * on being a map's value or a sequence's item once it is below the root (stringifyString: the
 * root-only cases test `indent === ''`, indentAtStart only matters for folding, which lineWidth 0 turns
 * off). A file's content is asked for at one depth on every node, so the last one is kept.
 */
interface ScalarText {
  canonical: string | null;
  indent: string;
  text: string;
}
const scalarTexts = new Map<Scalar, ScalarText>();

function remember<K, V>(map: Map<K, V>, key: K, value: V): V {
  map.set(key, value);
  // First in, first out: a render's distinct scalars include every node's own file contents.
  if (map.size > SCALAR_CACHE_ENTRIES) map.delete(map.keys().next().value as K);
  return value;
}

function asScalar(v: unknown): Scalar {
  switch (typeof v) {
    case 'number':
      // Map keys are SameValueZero: -0 would find 0's text.
      if (!Number.isFinite(v) || Object.is(v, -0)) throw UNHANDLED;
      return v;
    case 'string':
    case 'boolean':
      return v;
    case 'object':
      if (v === null) return v;
      throw UNHANDLED;
    default:
      throw UNHANDLED;
  }
}

function checkedText(text: string): string | null {
  return /\n(?!\n|  |$)/.test(text) ? null : text;
}

/**
 * The package's texts for `values` at ctx.indent STEP: they are printed as the items of one sequence
 * at the root, on one document kept for it (a new Document sets up its schema, the 1.1 tags and
 * OPTIONS.customTags, which costs more than printing a few scalars). The items are made the way the
 * Document constructor makes them and quoted the way yamlPackageText's pass quotes them. Every line
 * of an item's text after its first starts with STEP or is empty (checkedText), so `\n- ` only ever
 * starts the next item.
 */
let probe: Document | undefined;
function probeTexts(values: Scalar[]): (string | null)[] {
  probe ??= new Document(null, OPTIONS);
  const seq = probe.createNode(values, OPTIONS) as YAMLSeq<YamlScalar>;
  for (const node of seq.items) if (typeof node.value === 'string' && needsQuotes(node.value)) node.type = 'QUOTE_DOUBLE';
  probe.contents = seq;
  const out = probe.toString(OPTIONS);
  probe.contents = null; // not to keep the last document's strings alive
  const texts = out.startsWith('- ') && out.endsWith('\n') ? out.slice(2, -1).split('\n- ') : [];
  if (texts.length !== values.length) return values.map(() => null);
  return texts.map(checkedText);
}

function learn(values: Scalar[]): void {
  const texts = probeTexts(values);
  for (let i = 0; i < values.length; i++) {
    const canonical = texts[i]!;
    remember(scalarTexts, values[i]!, { canonical, indent: STEP, text: canonical ?? '' });
  }
}

/** Collects the scalars of `v` whose text is not known yet, and refuses what is not plain data. */
function unknownScalars(v: object, misses: Set<Scalar>, depth: number): void {
  if (depth > MAX_DEPTH) throw UNHANDLED;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) noteUnknown(v[i], misses, depth);
    return;
  }
  // An object with an iterator is a sequence to the package (createNode): not plain data, left to it.
  if (!isPlainObject(v) || Symbol.iterator in v) throw UNHANDLED;
  for (const key of Object.keys(v)) {
    const value = v[key];
    if (value !== undefined) noteUnknown(value, misses, depth);
  }
}

/** One item or map value of a collection at `depth` (a function of its own, not a closure made per collection). */
function noteUnknown(item: unknown, misses: Set<Scalar>, depth: number): void {
  if (typeof item === 'object' && item !== null) unknownScalars(item, misses, depth + 1);
  else {
    const s = asScalar(item);
    if (!scalarTexts.has(s)) misses.add(s);
  }
}

/** stringifyPair: no space before an empty value text or one that starts on the next line. */
const valueSeparator = (text: string): string => (text === '' || text.startsWith('\n') ? '' : ' ');

function scalarText(v: unknown, indent: string): string {
  const s = asScalar(v);
  let entry = scalarTexts.get(s);
  if (entry === undefined) {
    // Only when a document has more new scalars than the cache holds.
    learn([s]);
    entry = scalarTexts.get(s)!;
  }
  if (entry.canonical === null) throw UNHANDLED;
  if (entry.indent !== indent) {
    entry.indent = indent;
    entry.text = entry.canonical.includes('\n') ? entry.canonical.replaceAll(`\n${STEP}`, `\n${indent}`) : entry.canonical;
  }
  return entry.text;
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

/**
 * An empty collection prints as flow (`{}`, `[]`). YAMLMap.from leaves out entries whose value is
 * undefined, so a map of only those is empty. (The first pass let through only arrays and plain objects.)
 */
function isEmpty(v: object): boolean {
  if (Array.isArray(v)) return v.length === 0;
  for (const key in v) if (Object.hasOwn(v, key) && (v as Record<string, unknown>)[key] !== undefined) return false;
  return true;
}

/**
 * Appends a non-empty collection's text at ctx.indent `indent` (stringifyBlockCollection) to `out`:
 * parts joined once per document, not a string grown line by line.
 */
function writeCollection(v: object, indent: string, out: string[]): void {
  const inner = indent + STEP;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      out.push(i === 0 ? '- ' : `\n${indent}- `);
      writeValue(v[i], inner, out);
    }
    return;
  }
  if (!isPlainObject(v)) throw UNHANDLED;
  const root = indent === '';
  let first = true;
  for (const key of Object.keys(v)) {
    const value = v[key];
    if (value === undefined) continue;
    out.push(first ? keyText(key, root) : `\n${indent}${keyText(key, root)}`);
    first = false;
    if (typeof value === 'object' && value !== null) {
      // An empty collection is flow (`{}`, `[]`) on the key's line; any other starts on the next line.
      if (isEmpty(value)) out.push(Array.isArray(value) ? ': []' : ': {}');
      else {
        out.push(`:\n${inner}`);
        writeCollection(value, inner, out);
      }
    } else {
      const text = scalarText(value, inner);
      out.push(':', valueSeparator(text), text);
    }
  }
}

/** A sequence item's text (after `- `) at ctx.indent `indent`. */
function writeValue(item: unknown, indent: string, out: string[]): void {
  if (typeof item !== 'object' || item === null) out.push(scalarText(item, indent));
  else if (isEmpty(item)) out.push(Array.isArray(item) ? '[]' : '{}');
  else writeCollection(item, indent, out);
}

/** The emitter's text for `value`, or undefined when it leaves the document to the package. */
export function emitYaml(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  try {
    const misses = new Set<Scalar>();
    unknownScalars(value, misses, 0);
    if (misses.size > 0) learn([...misses]);
    const out: string[] = [];
    writeValue(value, '', out);
    out.push('\n');
    return out.join('');
  } catch (e) {
    if (e === UNHANDLED) return undefined;
    throw e;
  }
}

/** A document's YAML: the emitter's text, or the package's where the emitter leaves it to the package. */
export function toYaml(value: unknown): string {
  return emitYaml(value) ?? yamlPackageText(value);
}

/** A multi-document YAML stream (kubeadm configs, manifest sets). */
export function toYamlStream(docs: unknown[]): string {
  return docs.map((d) => toYaml(d)).join('---\n');
}
