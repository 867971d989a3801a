// What render produces, and the questions asked of it, apart from render.ts itself so that
// importing them (cli/summary.ts) does not load the PKI libraries at start-up.
import type { ClusterModel } from './model/model.js';
import type { NodePlan, PlanFile } from './plan/nodePlan.js';
import type { ServedFile } from './emit/secretsFetch.js';
import type { IssuedPki } from './secrets/types.js';

export interface Rendered {
  model: ClusterModel;
  pki: IssuedPki;
  plans: NodePlan[];
  /**
   * What each node or pool boots from (its user data): #cloud-config text, or for flatcar and
   * fedora-coreos an Ignition config (the pointer config when spec.ignition.configUrlBase is set).
   */
  payloads: Map<string, string>;
  /** Full Ignition configs of Ignition nodes (config.ign), by node name. */
  ignitionConfigs: Map<string, string>;
  /**
   * spec.secrets.delivery fetch: per node, the plan files its payload does not carry (keys, token)
   * and what to serve for them under outputs/<cluster>/fetch/ (empty maps with inline delivery).
   */
  heldBack: Map<string, PlanFile[]>;
  served: Map<string, ServedFile[]>;
  /**
   * spec.cloudInit.payloadUrlBase: per cloud-init node, its full #cloud-config (for review) and the
   * archive of its files the pointer in `payloads` fetches.
   */
  cloudInitFull: Map<string, { userData: string; archive: Buffer }>;
}

export type PayloadFormat = 'cloud-init' | 'cloud-init-pointer' | 'ignition' | 'ignition-pointer';

export function payloadFormat(r: Rendered, node: string): PayloadFormat {
  if (!r.ignitionConfigs.has(node)) return r.cloudInitFull.has(node) ? 'cloud-init-pointer' : 'cloud-init';
  return r.payloads.get(node) === r.ignitionConfigs.get(node) ? 'ignition' : 'ignition-pointer';
}

/** How many private keys the payload of `node` carries itself (a pointer config carries none). */
export function privateKeysInPayload(r: Rendered, node: string): number {
  if (payloadFormat(r, node).endsWith('-pointer')) return 0;
  const plan = r.plans.find((p) => p.node.name === node);
  const fetched = new Set(r.heldBack.get(node)?.map((f) => f.path));
  return [...(plan?.files.values() ?? [])].filter((f) => f.secret && !fetched.has(f.path) && /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(f.content)).length;
}
