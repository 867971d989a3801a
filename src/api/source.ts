// Keeps the parsed YAML document so that any spec path (from zod, from a rule, from a builder)
// can be mapped back to file:line:col and the source line, as butane does for its outputs.
import { isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node, type Pair } from 'yaml';
import type { Locator, SpecPath } from '../errors/errors.js';

export interface SourcePosition {
  line: number; // 1-based
  col: number; // 1-based
}

export class SpecSource implements Locator {
  // Built on first use, so that reporting thousands of problems stays linear in the spec's size.
  private lineTexts?: string[];
  private readonly keyIndex = new WeakMap<object, Map<string, Pair>>();

  constructor(
    readonly file: string,
    readonly text: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  static fromDocument(file: string, text: string, doc: Document.Parsed, lines: LineCounter): SpecSource {
    return new SpecSource(file, text, doc, lines);
  }

  /** Position of the value at `path` (or of its key with atKey); the deepest existing ancestor otherwise. */
  locate(path: SpecPath, atKey = false): SourcePosition {
    let node: unknown = this.doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      const part = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = this.pairOf(node, String(part));
        if (!pair) break;
        if (last && atKey) {
          offset = rangeStart(pair.key) ?? offset;
          node = undefined;
          break;
        }
        node = pair.value;
        offset = rangeStart(pair.value) ?? rangeStart(pair.key) ?? offset;
      } else if (isSeq(node) && typeof part === 'number') {
        const item = node.items[part];
        if (item === undefined) break;
        node = isPair(item) ? item.value : item;
        offset = rangeStart(node) ?? offset;
      } else {
        break;
      }
    }
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }

  lineText(line: number): string | undefined {
    this.lineTexts ??= this.text.split(/\r?\n/);
    return this.lineTexts[line - 1];
  }

  /** The first pair with this scalar key (as find() would), through an index built once per mapping. */
  private pairOf(map: { items: Pair[] }, key: string): Pair | undefined {
    let index = this.keyIndex.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) {
        if (isScalar(p.key) && !index.has(String(p.key.value))) index.set(String(p.key.value), p);
      }
      this.keyIndex.set(map, index);
    }
    return index.get(key);
  }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | undefined)?.range;
  return range ? range[0] : undefined;
}
