// A small HCL2 (native syntax) writer: attributes and blocks built as data, serialized with one
// quoting helper. Strings are always literal: `${` and `%{` are escaped so nothing a user wrote
// becomes a template; HCL expressions (var.x, function calls) are explicit `expr(...)` values.

export class Expr {
  constructor(readonly text: string) {}
}
/** A raw HCL expression, e.g. expr('var.region'). Only for text kspray itself writes. */
export const expr = (text: string): Expr => new Expr(text);

export type HclValue = string | number | boolean | Expr | HclValue[] | { [key: string]: HclValue };

export interface Block {
  block: string;
  labels?: string[];
  body: BodyItem[];
}
export type BodyItem = Block | { attr: string; value: HclValue } | { comment: string };

export const attr = (name: string, value: HclValue): BodyItem => ({ attr: name, value });
export const block = (type: string, labels: string[], body: BodyItem[]): Block => ({ block: type, labels, body });
export const comment = (text: string): BodyItem => ({ comment: text });

/** HCL quoted string: backslash escapes, and literal `${` / `%{` (HCL's template starts) doubled. */
export function hclString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const next = s[i + 1];
    if (c === '\\') out += '\\\\';
    else if (c === '"') out += '\\"';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if ((c === '$' || c === '%') && next === '{') out += `${c}${c}`;
    else if (c < ' ') out += `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else out += c;
  }
  return `"${out}"`;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const key = (k: string) => (IDENT.test(k) ? k : hclString(k));

function isPlainObject(v: HclValue): v is { [key: string]: HclValue } {
  return typeof v === 'object' && !(v instanceof Expr) && !Array.isArray(v);
}

/** One-line form, for short lists and for values inside function calls. */
export function inlineValue(v: HclValue): string {
  if (v instanceof Expr) return v.text;
  if (typeof v === 'string') return hclString(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`hcl: not a finite number: ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(inlineValue).join(', ')}]`;
  const entries = Object.entries(v);
  return entries.length ? `{ ${entries.map(([k, x]) => `${key(k)} = ${inlineValue(x)}`).join(', ')} }` : '{}';
}

function value(v: HclValue, indent: string): string {
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    const one = inlineValue(v);
    if (one.length <= 80 && !v.some((x) => isPlainObject(x))) return one;
    return `[\n${v.map((x) => `${inner}${value(x, inner)},`).join('\n')}\n${indent}]`;
  }
  if (isPlainObject(v)) {
    const entries = Object.entries(v);
    if (!entries.length) return '{}';
    const width = Math.max(...entries.map(([k]) => key(k).length));
    return `{\n${entries.map(([k, x]) => `${inner}${key(k).padEnd(width)} = ${value(x, inner)}`).join('\n')}\n${indent}}`;
  }
  return inlineValue(v);
}

function body(items: BodyItem[], indent: string): string {
  const lines: string[] = [];
  // Align runs of consecutive attributes, as `packer fmt` does.
  let run: Array<{ attr: string; value: HclValue }> = [];
  const flush = () => {
    const width = Math.max(0, ...run.map((a) => key(a.attr).length));
    for (const a of run) lines.push(`${indent}${key(a.attr).padEnd(width)} = ${value(a.value, indent)}`);
    run = [];
  };
  for (const item of items) {
    if ('attr' in item) {
      run.push(item);
      continue;
    }
    flush();
    if ('comment' in item) {
      lines.push(...item.comment.split('\n').map((l) => `${indent}# ${l}`.trimEnd()));
      continue;
    }
    if (lines.length && lines[lines.length - 1] !== '' && !lines[lines.length - 1]!.trimStart().startsWith('#')) lines.push('');
    const labels = (item.labels ?? []).map(hclString).join(' ');
    lines.push(`${indent}${item.block}${labels ? ` ${labels}` : ''} {`);
    const inner = body(item.body, `${indent}  `);
    if (inner) lines.push(inner);
    lines.push(`${indent}}`);
    lines.push('');
  }
  flush();
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

/** A whole .pkr.hcl file. */
export function toHcl(items: BodyItem[]): string {
  return `${body(items, '')}\n`;
}
