// The library API behind the CLI: outputs = render(spec, secrets bundle).
// Everything here is in memory; cli/ decides what to write, io/ writes it.
import type { ClusterModel } from './model/model.js';
import { bundleToFiles, createBundle, ensureLeafKeys, issuePki, leafKeyNames } from './secrets/index.js';
import type { SecretsBundle } from './secrets/types.js';
import { loadBundle } from './secrets/loadBundle.js';
import { bundleState } from './secrets/bundleState.js';
import { planCluster, planNode } from './plan/planNode.js';
import type { NodePlan, PlanFile } from './plan/nodePlan.js';
import { splitForFetch, type ServedFile } from './emit/secretsFetch.js';
import { cloudInitPointer, payloadArchive, payloadArchiveUrl, PAYLOAD_ARCHIVE } from './emit/cloudInitPointer.js';
import type { Rendered } from './rendered.js';
import { emitCloudInit, gzipPayload, payloadGzip } from './emit/cloudInit.js';
import { emitIgnition, pointerConfig, type RemoteFiles } from './emit/ignition.js';
import { usesIgnition } from './plan/osProfile.js';
import type { OutputFile } from './outputFile.js';

export { compileSpec } from './compileSpec.js';

export interface PreparedBundle {
  bundle: SecretsBundle;
  /** True when there was no bundle and this one is new. */
  created: boolean;
  /** Bundle files that do not exist yet (a new bundle, or keys for nodes added to the spec). */
  newFiles: OutputFile[];
  /** The directory held a never-completed bundle (an interrupted first render): set it aside, then create. */
  replacesIncomplete: boolean;
}

/**
 * Loads the bundle (if `existing` has one) and adds only what is missing; existing entries are
 * never regenerated. `now` is the only clock: it dates new CAs and keys. `renderedBefore` (outputs
 * of an earlier render exist) rules out reading a damaged bundle as an interrupted creation.
 */
export async function prepareBundle(
  model: ClusterModel,
  existing: Map<string, string> | undefined,
  bundleDir: string,
  now: Date,
  renderedBefore = true,
): Promise<PreparedBundle> {
  const state = bundleState(existing, renderedBefore);
  const hadBundle = state === 'present';
  const bundle = hadBundle
    ? loadBundle(existing!, bundleDir) // with leaf renewals (certs renew) and the newest minted token (scale)
    : await createBundle({ clusterName: model.name, algorithm: model.pki.algorithm, caValidityDays: model.pki.caValidityDays, now });
  await ensureLeafKeys(bundle, leafKeyNames(model), now);
  const before = hadBundle ? existing! : new Map<string, string>();
  const newFiles = bundleToFiles(bundle).filter((f) => !before.has(f.relPath));
  return { bundle, created: !hadBundle, newFiles, replacesIncomplete: state === 'incomplete' };
}

export { payloadFormat, type PayloadFormat, type Rendered } from './rendered.js';

/** Where a node's full config is served when it boots from a pointer (outputs nodes/<node>/config.ign). */
export const ignitionConfigUrl = (base: string, node: string): string => `${base}/${node}/config.ign`;

/**
 * Pure: the same model and bundle give byte-identical payloads. `only` (render --node) plans and emits
 * that one node or pool: a node's plan reads the model and the cluster's PKI, never another node's plan,
 * so its payload is the same bytes as in a whole render (test/render/renderOnly.test.ts).
 */
export async function render(model: ClusterModel, bundle: SecretsBundle, only?: string, progress?: (done: number, total: number) => void): Promise<Rendered> {
  const onlyNode = only === undefined ? undefined : model.nodes.find((n) => n.name === only);
  const pki = await issuePki(pkiModelFor(model, onlyNode), bundle);
  const plans = onlyNode ? [planNode(model, onlyNode, pki)] : planCluster(model, pki);
  // One emitter per format; the node's OS picks it.
  const ignitionConfigs = new Map<string, string>();
  const payloads = new Map<string, string>();
  const heldBack = new Map<string, PlanFile[]>();
  const served = new Map<string, ServedFile[]>();
  const cloudInitFull = new Map<string, { userData: string; archive: Buffer }>();
  for (const [i, plan] of plans.entries()) {
    progress?.(i, plans.length);
    let p = plan;
    let remote: RemoteFiles | undefined;
    if (model.secrets.delivery !== 'inline') {
      const split = splitForFetch(model, plan);
      p = split.payloadPlan;
      remote = { sources: split.remote, caCert: model.secrets.caCert };
      heldBack.set(plan.node.name, split.heldBack);
      served.set(plan.node.name, split.served);
    }
    if (!usesIgnition(p.node.os)) {
      const userData = emitCloudInit(p);
      const base = model.cloudInit.payloadUrlBase;
      if (base === undefined) payloads.set(p.node.name, userData);
      else {
        const archive = payloadArchive(p);
        cloudInitFull.set(p.node.name, { userData, archive });
        payloads.set(p.node.name, cloudInitPointer(p, payloadArchiveUrl(base, p.node.name), archive));
      }
      continue;
    }
    const full = emitIgnition(p, model.ignition.version, remote);
    ignitionConfigs.set(p.node.name, full);
    const base = model.ignition.configUrlBase;
    payloads.set(p.node.name, base ? pointerConfig(full, ignitionConfigUrl(base, p.node.name), model.ignition.version) : full);
  }
  return { model, pki, plans, payloads, ignitionConfigs, heldBack, served, cloudInitFull };
}

/**
 * What render --node must issue for `only`: a node with no certificate of its own (a worker, a pool)
 * reads the CA certificate, its hash, the token and the kubeconfigs' CA from the PKI, never a control
 * plane's or an etcd member's leaf, so those (21 of 25 signatures in the HA example) are not made for it.
 * Everything else is the cluster's: the node's payload is the bytes a whole render gives it
 * (test/render/renderOnly.test.ts).
 */
function pkiModelFor(model: ClusterModel, only: ClusterModel['nodes'][number] | undefined): ClusterModel {
  if (only === undefined || only.isControlPlane || only.isEtcd) return model;
  return { ...model, nodes: [] };
}

/** The files `kspray render` writes under outputs/<cluster>/ (secrets excluded). */
export function outputFiles(r: Rendered): OutputFile[] {
  const files: OutputFile[] = [
    { relPath: 'admin.conf', content: r.pki.kubeconfigs.admin, mode: 0o600 },
    { relPath: 'kubeconfigs/super-admin.conf', content: r.pki.kubeconfigs.superAdmin, mode: 0o600 },
    { relPath: 'kubeconfigs/controller-manager.conf', content: r.pki.kubeconfigs.controllerManager, mode: 0o600 },
    { relPath: 'kubeconfigs/scheduler.conf', content: r.pki.kubeconfigs.scheduler, mode: 0o600 },
    { relPath: 'pki/ca.crt', content: r.pki.caCert, mode: 0o644 },
  ];
  for (const plan of r.plans) {
    const payload = r.payloads.get(plan.node.name)!;
    const dir = `nodes/${plan.node.name}`;
    const full = r.ignitionConfigs.get(plan.node.name);
    if (full !== undefined) {
      files.push({ relPath: `${dir}/config.ign`, content: full, mode: 0o600 });
      if (payload !== full) files.push({ relPath: `${dir}/pointer.ign`, content: payload, mode: 0o600 });
    } else {
      const pointed = r.cloudInitFull.get(plan.node.name);
      // With a pointer, user-data stays the full payload (for review); the pointer is what boots.
      const userData = pointed?.userData ?? payload;
      files.push({ relPath: `${dir}/user-data`, content: userData, mode: 0o600 });
      files.push({ relPath: `${dir}/user-data.gz`, content: pointed ? gzipPayload(userData) : payloadGzip(r, plan.node.name), mode: 0o600 });
      if (pointed) {
        files.push({ relPath: `${dir}/pointer.user-data`, content: payload, mode: 0o600 });
        files.push({ relPath: `${dir}/${PAYLOAD_ARCHIVE}`, content: pointed.archive, mode: 0o600 });
      }
    }
    files.push({ relPath: `${dir}/provenance.json`, content: provenance(plan), mode: 0o644 });
    // delivery fetch: what to serve under spec.secrets.urlBase, readable only by this node;
    // aws-secrets-manager: what `kspray aws apply` stores as the node's secret.
    for (const f of r.served.get(plan.node.name) ?? []) files.push({ relPath: `fetch/${f.relPath}`, content: f.content, mode: 0o600 });
  }
  return files;
}

/** Which builder and spec path produced each file on the node: for review and error mapping. */
function provenance(plan: NodePlan): string {
  const entries = [...plan.files.values()]
    .sort((a, b) => (a.path < b.path ? -1 : 1))
    .map((f) => ({ path: f.path, mode: `0${f.mode.toString(8)}`, bytes: Buffer.byteLength(f.content), builder: f.builder, origin: f.origin.join('.') }));
  return `${JSON.stringify({ node: plan.node.name, files: entries }, null, 2)}\n`;
}
