// Calico (kdd) on the first control plane, applied after `kubeadm init`; its CRDs are downloaded by
// the node (addons.tsv, written by the addons builder from manifests/addonFiles.ts).
import { toYamlStream } from '../../text/yaml.js';
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';
import { ADDON_FILES, addonPath } from '../manifests/addonFiles.js';
import { calicoManifests } from '../manifests/calico.js';

export const calicoBuilder: Builder = {
  name: 'calico',
  build({ model, node, plan }) {
    if (!node.isFirstControlPlane || model.network.plugin !== 'calico') return;
    addFile(plan, {
      path: addonPath(ADDON_FILES.calico),
      content: toYamlStream(calicoManifests(model)),
      mode: 0o644,
      builder: 'calico',
      origin: ['spec', 'network'],
    });
  },
};
