// The container runtime's part of `kspray upgrade`. containerd does not follow the kubernetes
// version (a re-provisioned node gets the new one), but cri-o must: its minor equals kubernetes'
// (rule crio-matches-kubernetes), so an upgrade that changes the version render would choose
// (crioVersionFor, Kubespray's crio_version) installs the new bundle on every node, as Kubespray's
// upgrade-cluster.yml does with its container-engine role. Pure: model + target → change or refusal.
import type { Problem } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import { componentVersions, images, minorOf, type Arch, type Download } from '../catalog/catalog.js';
import { crioDownload, crioVersionFor, crioVersions } from '../catalog/runtime.js';
import { runsKubernetes, type ClusterModel } from '../model/model.js';

export interface CrioChange {
  from: string;
  to: string;
  /** The target's pause image for crio.conf.d/10-kspray.conf, when it differs from the installed one. */
  pause?: string;
}

/** cri-o versions with a checksum, per architecture (injectable: the refusal needs a catalog without a minor). */
export type CrioCatalog = (arch: Arch) => string[];

/**
 * What the upgrade to `to` does to cri-o: nothing on containerd clusters or when the version render
 * would choose for `to` is the installed one; a refusal when the catalog has no cri-o of `to`'s minor
 * for an architecture of the cluster (the upgrade would leave cri-o on the old minor).
 */
export function crioUpgrade(model: ClusterModel, to: string, catalog: CrioCatalog = crioVersions): { change?: CrioChange; problems: Problem[] } {
  if (model.containerRuntime.name !== 'cri-o') return { problems: [] };
  const from = model.containerRuntime.version;
  // render picks with the amd64 list and downloads the same version for every architecture.
  const target = crioVersionFor(to, 'amd64', catalog('amd64'));
  const arches = [...new Set(model.nodes.filter(runsKubernetes).map((n) => n.arch))].sort();
  const missing = target === undefined ? 'amd64' : arches.find((a) => !catalog(a).includes(target));
  if (target === undefined || missing) {
    return { problems: [messages.noCrioForUpgrade(to, from, missing ?? 'amd64', [...new Set(catalog('amd64').map(minorOf))])] };
  }
  if (target === from) return { problems: [] };
  const pauseFrom = model.images.pause;
  const pauseTo = images(componentVersions(to), model.artifacts.registry).pause;
  return { change: { from, to: target, ...(pauseTo !== pauseFrom ? { pause: pauseTo } : {}) }, problems: [] };
}

/** The cri-o bundle of an architecture's upgrade downloads, none when cri-o does not change. */
export function crioUpgradeDownload(model: ClusterModel, to: string, arch: Arch): Download[] {
  const change = crioUpgrade(model, to).change;
  return change ? [crioDownload(change.to, arch, model.artifacts.mirror)] : [];
}
