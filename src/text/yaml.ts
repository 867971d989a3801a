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

export function toYaml(value: unknown): string {
  const doc = new Document(value, OPTIONS);
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && needsQuotes(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString(OPTIONS);
}

/** A multi-document YAML stream (kubeadm configs, manifest sets). */
export function toYamlStream(docs: unknown[]): string {
  return docs.map((d) => toYaml(d)).join('---\n');
}
