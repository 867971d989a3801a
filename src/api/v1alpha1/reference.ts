// docs/spec.md, generated from the spec's JSON Schema (itself generated from the zod schema in
// types.ts), so the reference page lists every field with its type and default and can never drift
// from what loadSpec accepts: test/specReference.test.ts keeps the committed page equal to this.
import { specJsonSchema } from './types.js';

type Schema = {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  propertyNames?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
};

interface Row {
  path: string;
  type: string;
  default: string;
  description: string;
}

export function specReference(): string {
  const root = specJsonSchema() as Schema;
  const rows: Row[] = [];
  walk(root, '', rows, new Set());
  const sections = new Map<string, Row[]>();
  for (const row of rows) {
    const section = sectionOf(row.path);
    sections.set(section, [...(sections.get(section) ?? []), row]);
  }
  const out = [
    '# cluster.yaml reference (kspray.dev/v1alpha1)',
    '',
    '<!-- Generated from the zod schema (src/api/v1alpha1/types.ts) by specReference(); do not edit.',
    '     Regenerate: UPDATE_GOLDEN=1 npx vitest run test/specReference.test.ts -->',
    '',
    'Every field of the cluster spec, its type and its default. `[]` marks list items, `.*` map values.',
    'Editors can also use the JSON Schema: `kspray schema` or schema/cluster.schema.json.',
    '',
  ];
  for (const [section, list] of sections) {
    out.push(`## ${section}`, '', '| Field | Type | Default | Description |', '|---|---|---|---|');
    for (const r of list) out.push(`| \`${r.path}\` | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.description)} |`);
    out.push('');
  }
  return out.join('\n');
}

function walk(s: Schema, path: string, rows: Row[], required: Set<string>): void {
  if (path) rows.push(row(s, path, required.has(path)));
  if (s.properties) {
    const req = new Set((s.required ?? []).map((k) => join(path, k)));
    for (const [k, child] of Object.entries(s.properties)) walk(child, join(path, k), rows, req);
  }
  if (s.type === 'array' && s.items?.properties) walk(s.items, `${path}[]`, rows, new Set());
  if (typeof s.additionalProperties === 'object' && s.additionalProperties.properties) walk(s.additionalProperties, `${path}.*`, rows, new Set());
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

function row(s: Schema, path: string, isRequired: boolean): Row {
  const description = (s.description ?? '').trim();
  // Descriptions state the default as "Default: …." (the convention of types.ts).
  const match = /Default: ([^]*?)(?:\.(?:\s|$)|$)/.exec(description);
  const def = isRequired ? 'required' : match ? match[1]!.trim() : s.const !== undefined ? String(s.const) : '—';
  return { path, type: typeOf(s), default: def, description: match ? description.replace(match[0], '').trim() : description };
}

function typeOf(s: Schema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' | ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' or ');
  switch (s.type) {
    case 'array':
      return `list of ${s.items && Object.keys(s.items).length ? typeOf(s.items) : 'any'}${bounds(s.minItems, s.maxItems, ' items')}`;
    case 'object':
      if (s.properties) return 'mapping';
      if (typeof s.additionalProperties === 'object') {
        const value = s.additionalProperties;
        return `map of ${Object.keys(value).length ? typeOf(value) : 'any'}`;
      }
      return 'mapping';
    case 'integer':
    case 'number':
      return `${s.type}${bounds(s.minimum, s.maximum, '')}`;
    case undefined:
      return 'any';
    default:
      return s.type;
  }
}

function bounds(minimum: number | undefined, maximum: number | undefined, unit: string): string {
  // zod's .int() alone gives the safe-integer range: no bound worth printing.
  const min = minimum === Number.MIN_SAFE_INTEGER ? undefined : minimum;
  const max = maximum === Number.MAX_SAFE_INTEGER ? undefined : maximum;
  if (min === undefined && max === undefined) return '';
  if (max === undefined) return ` (≥ ${min}${unit})`;
  if (min === undefined) return ` (≤ ${max}${unit})`;
  return ` (${min}–${max}${unit})`;
}

function sectionOf(path: string): string {
  const parts = path.replace(/\[\]/g, '').split('.');
  if (parts[0] !== 'spec') return 'Document';
  return parts.length >= 2 ? `spec.${parts[1]}` : 'spec';
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
