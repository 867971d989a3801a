// What one node (or one pool) receives: files and the units to start, each remembering the
// builder and the spec path that produced it (butane's provenance), so an error found in any
// emitted format can be reported at the user's line. Emitters (emit/) turn a NodePlan into bytes.
import type { SpecPath } from '../errors/errors.js';
import type { NodeModel } from '../model/model.js';
import { keyDirOf } from '../model/customizationRules.js';

export interface PlanFile {
  path: string; // absolute path on the node
  content: string;
  mode: number; // e.g. 0o644
  /** Holds private key material: never on workers (test/worker-secrets.test.ts). */
  secret?: boolean;
  /** Holds the bootstrap token (kubeadm's config): with spec.secrets.delivery fetch it leaves the payload like a key. */
  token?: boolean;
  /**
   * Part of the node's PKI (a certificate or key file): with delivery fetch the whole PKI travels in
   * the fetched archive, so RSA certificates do not fill the payload either.
   */
  pki?: boolean;
  builder: string;
  origin: SpecPath;
}

/**
 * Whether a file on a node holds key material, for what must never be shown (kspray diff): what the
 * plan marks, and by path alone for a file no current plan describes (one a previous render wrote) —
 * the PKI directories (the same list the customization rules guard) and any *.key.
 */
export const isSecretPath = (path: string): boolean => keyDirOf(path) !== undefined || path.endsWith('.key');
export const isSecretFile = (path: string, planned: PlanFile | undefined): boolean => !!(planned && (planned.secret || planned.pki)) || isSecretPath(path);

export interface NodePlan {
  node: NodeModel;
  files: Map<string, PlanFile>;
  /** systemd units the payload itself starts at first boot (everything else the node program starts). */
  startUnits: string[];
  /** Users' SSH keys for the default user (only if the spec asks). */
  sshAuthorizedKeys: string[];
  /**
   * Images this node pulls that no file of the plan names: those inside manifests the node
   * downloads (addons.tsv). `kspray artifacts list` reads every other image from the plan's files.
   */
  extraImages: string[];
}

export function newPlan(node: NodeModel): NodePlan {
  return { node, files: new Map(), startUnits: [], sshAuthorizedKeys: [], extraImages: [] };
}

export class PlanConflictError extends Error {}

/** Adds a file; two builders writing one path is a bug in kspray, never silently last-wins. */
export function addFile(plan: NodePlan, file: Omit<PlanFile, 'mode'> & { mode?: number }): void {
  const existing = plan.files.get(file.path);
  if (existing) {
    throw new PlanConflictError(
      `plan: ${file.path} on ${plan.node.name} written by both ${existing.builder} and ${file.builder}`,
    );
  }
  plan.files.set(file.path, { mode: 0o644, ...file });
}

/** Files in path order: emitters must not depend on builder order (determinism). */
export function sortedFiles(plan: NodePlan): PlanFile[] {
  return [...plan.files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
