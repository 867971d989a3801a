// kubeadm patches (spec.patches, and a node's own kubelet.config): files in /etc/kubernetes/patches
// named target[suffix][+patchtype].yaml as kubeadm's --patches reads them. Init/JoinConfiguration
// point patches.directory here (builders/kubeadm.ts) and the node program passes --patches to
// `kubeadm upgrade`. Suffixes are digits only, so the apply order is spec order, then the node's
// kubelet override last.
import type { ClusterModel, NodeModel } from '../../model/model.js';
import type { SpecPath } from '../../errors/errors.js';
import { toYaml } from '../../text/yaml.js';
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';

export const PATCHES_DIR = '/etc/kubernetes/patches';

/** Targets kubeadm reads on every node; the others only matter where the control plane runs. */
const EVERY_NODE_TARGETS = new Set(['kubeletconfiguration']);

interface PatchFile {
  name: string;
  content: string;
  origin: SpecPath;
}

export function patchFiles(model: ClusterModel, node: NodeModel): PatchFile[] {
  const files: PatchFile[] = model.custom.patches
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => node.isControlPlane || EVERY_NODE_TARGETS.has(p.target))
    .map(({ p, i }) => ({
      name: `${p.target}${String(i).padStart(3, '0')}+${p.type}.yaml`,
      content: toYaml(p.patch),
      origin: p.origin,
    }));
  // The node's kubelet.config over the cluster's (the kubelet-config ConfigMap): a JSON merge patch
  // merges maps and replaces scalars and lists, which is the spec's merge rule.
  if (Object.keys(node.custom.kubeletConfigOverride).length > 0) {
    files.push({ name: 'kubeletconfiguration999+merge.yaml', content: toYaml(node.custom.kubeletConfigOverride), origin: [...node.specPath, 'kubelet', 'config'] });
  }
  return files;
}

export const patchesBuilder: Builder = {
  name: 'patches',
  build({ model, node, plan }) {
    for (const f of patchFiles(model, node)) {
      addFile(plan, { path: `${PATCHES_DIR}/${f.name}`, content: f.content, mode: 0o644, builder: 'patches', origin: f.origin });
    }
  },
};
