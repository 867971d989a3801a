// The field list of KubeletConfiguration v1beta1 and KubeProxyConfiguration v1alpha1, generated from
// the upstream Go types (data/kubernetes/config-fields.json, see its SOURCE.md) and read here, so
// the names kspray accepts are upstream's at the catalog's Kubernetes minor.
import { readFileSync } from 'node:fs';

/** A field's JSON type: a scalar kind, a list, a string-keyed map or a named struct. */
export type FieldType =
  | 'string'
  | 'bool'
  | 'int'
  | 'number'
  | 'duration'
  | 'durationOrInt'
  | 'quantity'
  | 'any'
  | { list: FieldType }
  | { map: FieldType }
  | { struct: string };

export interface ConfigRoot {
  apiVersion: string;
  kind: string;
  /** Name of the root struct in `types`. */
  type: string;
}

interface ConfigFields {
  roots: { kubelet: ConfigRoot; kubeProxy: ConfigRoot };
  types: Record<string, Record<string, FieldType>>;
}

let cached: ConfigFields | undefined;

export function configFields(): ConfigFields {
  cached ??= JSON.parse(readFileSync(new URL('../../data/kubernetes/config-fields.json', import.meta.url), 'utf8')) as ConfigFields;
  return cached;
}
