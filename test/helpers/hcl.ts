// A strict parser for the HCL2 native-syntax subset kspray writes (attributes, labelled blocks,
// strings with templates, numbers, bools, lists, objects, references, function calls). A syntax
// check of its own, used when no HCL parser from npm is installed, and the way tests read values
// back (string escapes undone, so a round trip is checked byte for byte). Not a substitute for
// HashiCorp's parser: see hclParserFromNpm() below.
export interface HclBody {
  attrs: Record<string, unknown>;
  blocks: Array<{ type: string; labels: string[]; body: HclBody }>;
}
/** An expression kept as source text (references, calls, templates with interpolation). */
export class HclExpr {
  constructor(readonly text: string) {}
}

export function parseHcl(src: string): HclBody {
  let i = 0;
  const fail = (msg: string): never => {
    const line = src.slice(0, i).split('\n').length;
    throw new Error(`hcl: line ${line}: ${msg} near ${JSON.stringify(src.slice(i, i + 30))}`);
  };
  const skip = (newlines: boolean) => {
    for (;;) {
      const c = src[i];
      if (c === ' ' || c === '\t' || c === '\r' || (newlines && c === '\n')) i++;
      else if (c === '#' || (c === '/' && src[i + 1] === '/')) while (i < src.length && src[i] !== '\n') i++;
      else return;
    }
  };
  const ident = (): string => {
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
    if (!m) return fail('expected an identifier');
    i += m[0].length;
    return m[0];
  };
  const expect = (s: string) => {
    if (!src.startsWith(s, i)) fail(`expected ${s}`);
    i += s.length;
  };
  // Returns the decoded string, or an HclExpr when it interpolates.
  const string = (): string | HclExpr => {
    const start = i;
    expect('"');
    let out = '';
    let interpolated = false;
    while (src[i] !== '"') {
      const c = src[i];
      if (c === undefined || c === '\n') fail('unterminated string');
      if (c === '\\') {
        const e = src[i + 1];
        const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
        if (e !== undefined && e in map) {
          out += map[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(src.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16));
          i += 6;
        } else fail(`bad escape \\${e}`);
      } else if ((c === '$' || c === '%') && src[i + 1] === c && src[i + 2] === '{') {
        out += `${c}{`;
        i += 3;
      } else if ((c === '$' || c === '%') && src[i + 1] === '{') {
        interpolated = true;
        i += 2;
        skip(true);
        expression();
        skip(true);
        expect('}');
      } else {
        out += c;
        i++;
      }
    }
    i++;
    return interpolated ? new HclExpr(src.slice(start, i)) : out;
  };
  const expression = (): unknown => {
    skip(false);
    let v: unknown;
    const c = src[i];
    if (c === '"') v = string();
    else if (c === '[') {
      i++;
      const list: unknown[] = [];
      for (;;) {
        skip(true);
        if (src[i] === ']') break;
        list.push(expression());
        skip(true);
        if (src[i] === ',') i++;
        else if (src[i] !== ']') fail('expected , or ] in a list');
      }
      i++;
      v = list;
    } else if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      for (;;) {
        skip(true);
        if (src[i] === '}') break;
        const k = src[i] === '"' ? string() : ident();
        if (typeof k !== 'string') fail('object keys must be literal here');
        skip(false);
        if (src[i] === '=' || src[i] === ':') i++;
        else fail('expected = in an object');
        if ((k as string) in obj) fail(`duplicate key ${k as string}`);
        obj[k as string] = expression();
        skip(false);
        if (src[i] === ',') i++;
        else if (src[i] !== '\n' && src[i] !== '}') fail('expected , newline or } in an object');
      }
      i++;
      v = obj;
    } else if (c !== undefined && /[0-9-]/.test(c)) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!;
      if (!m) fail('bad number');
      i += m[0].length;
      v = Number(m[0]);
    } else {
      const start = i;
      const name = ident();
      if (name === 'true' || name === 'false') v = name === 'true';
      else if (name === 'null') v = null;
      else {
        if (src[i] === '(') {
          i++;
          for (;;) {
            skip(true);
            if (src[i] === ')') break;
            expression();
            skip(true);
            if (src[i] === ',') i++;
            else if (src[i] !== ')') fail('expected , or ) in a call');
          }
          i++;
        }
        while (src[i] === '.') {
          i++;
          ident();
        }
        v = new HclExpr(src.slice(start, i));
      }
    }
    return v;
  };
  const body = (closing: boolean): HclBody => {
    const out: HclBody = { attrs: {}, blocks: [] };
    for (;;) {
      skip(true);
      if (i >= src.length) {
        if (closing) fail('missing }');
        return out;
      }
      if (src[i] === '}') {
        if (!closing) fail('unexpected }');
        i++;
        return out;
      }
      const name = ident();
      skip(false);
      if (src[i] === '=') {
        i++;
        if (name in out.attrs) fail(`duplicate attribute ${name}`);
        out.attrs[name] = expression();
        skip(false);
        if (src[i] !== '\n' && src[i] !== '}' && i < src.length) fail('expected a newline after an attribute');
        continue;
      }
      const labels: string[] = [];
      while (src[i] === '"') {
        const l = string();
        if (typeof l !== 'string') fail('block labels must be literal');
        labels.push(l as string);
        skip(false);
      }
      expect('{');
      out.blocks.push({ type: name, labels, body: body(true) });
    }
  };
  return body(false);
}

export const blocks = (b: HclBody, type: string) => b.blocks.filter((x) => x.type === type);

/** @cdktf/hcl2json (HashiCorp's hcl via WebAssembly) or @cdktn/hcl2json when installed; undefined otherwise. */
export async function hclParserFromNpm(): Promise<((file: string, text: string) => Promise<Record<string, unknown>>) | undefined> {
  // @cdktn/hcl2json is the community continuation of the same package.
  for (const name of ['@cdktf/hcl2json', '@cdktn/hcl2json']) {
    try {
      const mod = (await import(name)) as { parse: (file: string, text: string) => Promise<Record<string, unknown>> };
      return mod.parse;
    } catch {
      // not installed
    }
  }
  return undefined;
}
