// The YAML emitter (issue 18) prints block YAML itself and takes each scalar's text from the `yaml`
// package; its output must be byte-identical to the package's (yamlPackageText, the old serializer and
// still the fallback). Compared on (1) every document kspray serializes while rendering every example
// and matrix scenario, and (2) a seeded corpus of awkward values. KSPRAY_YAML_SEED=<n> reproduces or
// varies the corpus.
import { describe, expect, it, vi } from 'vitest';
import { emitYaml, toYaml, yamlPackageText } from '../../src/text/yaml.js';
import { SCENARIOS, loadExample, renderFixture } from '../helpers/fixtures.js';
import { nocloudSeed, DEFAULT_NETWORK } from '../../src/emit/pxe/nocloud.js';

// Every document handed to the serializer during the renders below, captured (a copy, in case the
// caller changes it afterwards) as it is serialized.
const captured = vi.hoisted(() => ({ on: false, docs: [] as unknown[] }));
vi.mock('../../src/text/yaml.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/text/yaml.js')>();
  const keep = (doc: unknown) => {
    if (captured.on) captured.docs.push(structuredClone(doc));
  };
  return {
    ...real,
    toYaml: (value: unknown) => {
      keep(value);
      return real.toYaml(value);
    },
    toYamlStream: (docs: unknown[]) => {
      docs.forEach(keep);
      return real.toYamlStream(docs);
    },
  };
});

describe('the emitter on what kspray serializes', () => {
  it('prints every document of every example and scenario exactly as the yaml package does', async () => {
    const seen = captured.docs;
    captured.on = true;
    for (const name of SCENARIOS) {
      const r = await renderFixture(loadExample(name));
      for (const node of r.model.nodes) {
        const payload = r.payloads.get(node.name);
        if (payload) nocloudSeed(node, r.model.name, payload, { ...DEFAULT_NETWORK, gateway: '10.0.0.1', nameservers: ['10.0.0.2'] });
      }
    }
    captured.on = false;
    expect(seen.length).toBeGreaterThan(500);
    let compared = 0;
    for (const doc of seen) {
      // Not undefined: every document kspray emits is plain data the emitter prints itself.
      expect(emitYaml(doc)).toBe(yamlPackageText(doc));
      compared++;
    }
    expect(compared).toBe(seen.length);
  });
});

/** mulberry32: a small seeded generator, so a failing corpus reproduces from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// YAML 1.1 words and numbers-as-strings, octal/sexagesimal/timestamp look-alikes, indicators at the
// start, inside and at the end, whitespace, quotes, escapes, control characters, block-scalar edge
// cases (chomping, leading spaces, blank lines, document markers), and the strings needsQuotes rewrites.
const WORDS = [
  'yes', 'no', 'on', 'off', 'y', 'n', 'Y', 'N', 'NO', 'Yes', 'ON', 'Off', 'True', 'false', 'TRUE', '~', 'null', 'Null', 'NULL',
  '0644', '0o644', '010', '0b101', '1:30', '190:20:30', '-1:30', '1:30.5', '1e3', '1E3', '.5', '+1', '-1', '0x1F', '1_000', '0.', '-0',
  '.inf', '-.Inf', '.NaN', '12e03', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5',
  '', ' ', '  ', ' lead', 'trail ', ' both ', '#', ' #', 'a #b', 'a#b', '#c', ': ', 'a: b', 'a:', ':a', '- ', '-', '- a', '? ', '?', '?a',
  '"', "'", '"q"', "'s'", `it's "x"`, '\\', 'a\\nb', '%', '%YAML', '@', '`', '!', '!tag', '&', '&a', '*', '*a', '|', '>', '{', '}', '[', ']',
  '{a: 1}', '[a, b]', ',', 'a,b', '\t', 'a\tb', '\ta', 'a\t', '=', '<<', '==', '<<<', 'é ünï', '日本語', '🙂', '\u00a0', '\u2028', '\u0085',
  '\0', '\x07', '\x1b', '\x7f', '\ud800', 'a\r\nb', '\r', 'a\rb', 'x', 'plain text', 'key=value', 'http://x.example/a?b=c#d',
  '---', '...', '--- a', '... a', '---a', 'a\n---\nb\n', '...\n',
  'a\n', 'a\n\n', 'a\n\n\n', '\n', '\n\n', ' lead\n', 'x\n  y\n\n z\n', 'trail \n', 'line\n\n\nmid\n\n', '\ttab\nx\n', '  \n', 'multi\n\ttabbed\nlines',
  // Long enough (40+) for the package to fold a double-quoted string's \n into real line breaks.
  `bell\x07 ${'line\n'.repeat(10)}`, `${'x'.repeat(30)} \n ${'y'.repeat(30)}\t\n`, `${'z'.repeat(45)}\n\n\n  w\r\n`,
];
const LINES = ['a', 'b c', '', ' ', '  indented', '\tindented', '# not a comment', 'k: v', '- item', '---', '...', '%x', 'trail ', ' ', '"q"', "'s'"];
const NUMBERS = [0, 1, -1, 1.5, -2.25, 1e21, 1e-7, 2 ** 53, -(2 ** 53), 0.1, 123456789, 3.14159, 1e300];
const KEYS = [...WORDS.filter((w) => !w.includes('\n')), 'k', 'apiVersion', 'kind', 'metadata', 'name', '0', '1', '123', 'a b', 'x'.repeat(200)];

function multiLine(r: () => number): string {
  const n = 1 + Math.floor(r() * 5);
  const lines = Array.from({ length: n }, () => LINES[Math.floor(r() * LINES.length)]!);
  const end = ['', '\n', '\n\n', '\n\n\n', ' \n', '\n '][Math.floor(r() * 6)]!;
  const start = ['', '', '', '\n', ' ', '  ', '\n\n'][Math.floor(r() * 7)]!;
  return start + lines.join(r() < 0.2 ? '\n\n' : r() < 0.1 ? '\r\n' : '\n') + end;
}

function scalar(r: () => number): unknown {
  const x = r();
  if (x < 0.35) return WORDS[Math.floor(r() * WORDS.length)];
  if (x < 0.55) return multiLine(r);
  if (x < 0.62) return WORDS[Math.floor(r() * WORDS.length)]! + WORDS[Math.floor(r() * WORDS.length)]!;
  if (x < 0.64) return 'long '.repeat(50 + Math.floor(r() * 400)) + (r() < 0.5 ? '\n' : '');
  if (x < 0.8) return NUMBERS[Math.floor(r() * NUMBERS.length)];
  if (x < 0.9) return r() < 0.5;
  return null;
}

function value(r: () => number, depth: number): unknown {
  const x = r();
  if (depth >= 5 || x < 0.45) return scalar(r);
  if (x < 0.5) return r() < 0.5 ? {} : [];
  const n = 1 + Math.floor(r() * 4);
  if (x < 0.75) return Array.from({ length: n }, () => value(r, depth + 1));
  const map: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) map[KEYS[Math.floor(r() * KEYS.length)]!] = r() < 0.05 ? undefined : value(r, depth + 1);
  return map;
}

const outcome = (f: () => string): string => {
  try {
    return f();
  } catch (e) {
    return `throws ${(e as Error).message}`;
  }
};

describe('the emitter on a generated corpus', () => {
  const seed = Number(process.env.KSPRAY_YAML_SEED ?? 20261208);

  it(`prints awkward values exactly as the yaml package does (seed ${seed})`, () => {
    const r = rng(seed);
    let printed = 0;
    const docs: unknown[] = [];
    for (let i = 0; i < 3000; i++) docs.push(r() < 0.8 ? { [KEYS[i % KEYS.length]!]: value(r, 1), other: value(r, 1) } : [value(r, 1), value(r, 1)]);
    // Twice: the second pass finds every scalar cached, some at another depth than the first time.
    for (const doc of [...docs, ...docs.slice().reverse()]) {
      const text = emitYaml(doc);
      const expected = yamlPackageText(doc);
      if (text !== undefined) {
        printed++;
        expect(text, `seed ${seed}: ${JSON.stringify(doc)}`).toBe(expected);
      }
      expect(toYaml(doc)).toBe(expected);
    }
    // Keys with line breaks or over 1024 characters never occur above: the emitter prints all of it.
    expect(printed).toBe(docs.length * 2);
  });

  it('prints each awkward string as a value, an item and a key, at several depths, in one document', () => {
    const strings = [...WORDS, ...WORDS.map((w) => `${w}\n`), ...WORDS.map((w) => `${w}\n${w}`), ...LINES.map((l) => `${l}\n  x\n\n`)];
    for (const s of strings) {
      const doc = { [s.includes('\n') ? 'k' : s]: s, list: [s, [s], { [s.includes('\n') ? 'k' : s]: [s] }], deep: { a: { b: { c: [[s]] } } } };
      expect(emitYaml(doc), JSON.stringify(s)).toBe(yamlPackageText(doc));
    }
  });

  it('prints empty collections at every depth, lists of lists and maps in lists in maps', () => {
    const docs: unknown[] = [{}, [], [[]], [{}], [[[]]], { a: {} }, { a: [] }, { a: [[]] }, { a: [{}] }, { a: { b: [{ c: {} }, [], [[1, [2, []]]]] } }, [{ a: [{ b: [] }] }, [{}], null], { a: undefined }, { a: { b: undefined } }, [1, [2, [3, [4, [5]]]]]];
    for (const doc of docs) expect(emitYaml(doc), JSON.stringify(doc)).toBe(yamlPackageText(doc));
  });

  it('prints a document with more new scalars than its cache holds', () => {
    const doc = { many: Array.from({ length: 10_000 }, (_, i) => (i % 3 === 0 ? `s${i}\n  more ${i}\n` : i % 3 === 1 ? `${i}` : i)) };
    expect(emitYaml(doc)).toBe(yamlPackageText(doc));
    expect(emitYaml(doc)).toBe(yamlPackageText(doc));
  });

  it('leaves to the package what it does not print exactly', () => {
    const fallbacks: unknown[] = [
      'root scalar', 1, null, // a scalar at the root
      { 'multi\nline': 1 }, // a key with a line break
      { ['k'.repeat(1100)]: 1 }, // an explicit key (past 1024 characters)
      { a: -0 }, { a: Infinity }, { a: NaN }, { a: 10n }, { a: new Date(0) }, { a: new Map([['k', 1]]) }, { a: [1, undefined] }, { a: () => 1 },
      { a: Object.create({ inherited: 1 }) }, { a: new Uint8Array([1]) }, { a: { [Symbol.iterator]: function* () { yield 1; } } },
    ];
    for (const doc of fallbacks) {
      expect(emitYaml(doc), String(doc)).toBeUndefined();
      // toYaml still prints them, through the package (or fails as it does: a function has no YAML).
      expect(outcome(() => toYaml(doc))).toBe(outcome(() => yamlPackageText(doc)));
    }
  });
});
