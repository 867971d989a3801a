// The shape of a named validation rule: one invariant, checked on the spec as written.
// Its own module so rule sets (rules.ts, networkRules.ts, …) import the type without importing each other.
import type { Problem } from '../errors/errors.js';
import type { ClusterSpec } from '../api/v1alpha1/types.js';

export interface Rule {
  name: string;
  check(spec: ClusterSpec): Problem[];
}
