// The one YAML serializer for everything kspray emits. cloud-init reads YAML 1.1, where "on",
// "yes", "0644" and friends change meaning, so strings that look like 1.1 scalars are quoted.
// Objects are built and serialized, never templated as text.
import { stringify } from 'yaml';

const OPTIONS = { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false, sortMapEntries: false } as const;

export function toYaml(value: unknown): string {
  return stringify(value, OPTIONS);
}

/** A multi-document YAML stream (kubeadm configs, manifest sets). */
export function toYamlStream(docs: unknown[]): string {
  return docs.map((d) => toYaml(d)).join('---\n');
}
