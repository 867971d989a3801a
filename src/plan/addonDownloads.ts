// Binaries an addon puts on nodes, appended to their downloads.tsv (docs/node-contract.md): the
// helm CLI on control-plane nodes (spec.addons.helm), where an admin.conf is at hand.
import type { Download } from '../catalog/catalog.js';
import { helmDownload } from '../catalog/addons.js';
import type { ClusterModel, NodeModel } from '../model/model.js';

export function addonDownloads(model: ClusterModel, node: NodeModel): Download[] {
  if (!model.addons.helm.enabled || !node.isControlPlane) return [];
  return [helmDownload(model.addons.helm.version, node.arch, model.artifacts.mirror)];
}
