// The shape every network-plugin builder shares: on the first control plane only, one addon
// manifest (applied after `kubeadm init`, in ADDON_FILES order) when the spec selects the plugin.
import { toYamlStream } from '../../text/yaml.js';
import type { SpecPath } from '../../errors/errors.js';
import type { ClusterModel } from '../../model/model.js';
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';
import { addonPath } from '../manifests/addonFiles.js';
import type { K8sObject } from '../manifests/k8s.js';

export function addonManifestBuilder(opts: {
  name: string;
  file: string;
  origin: SpecPath;
  wanted: (model: ClusterModel) => boolean;
  manifests: (model: ClusterModel) => K8sObject[];
}): Builder {
  return {
    name: opts.name,
    build({ model, node, plan }) {
      if (!node.isFirstControlPlane || !opts.wanted(model)) return;
      addFile(plan, { path: addonPath(opts.file), content: toYamlStream(opts.manifests(model)), mode: 0o644, builder: opts.name, origin: opts.origin });
    },
  };
}
