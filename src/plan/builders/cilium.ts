// Cilium on the first control plane (spec.network.plugin: cilium); kube-proxy replacement also
// changes kubeadm's config (builders/kubeadm.ts) and the node program's env (builders/bootstrap.ts).
import { ADDON_FILES } from '../manifests/addonFiles.js';
import { ciliumManifests } from '../manifests/cilium.js';
import { addonManifestBuilder } from './networkPlugin.js';

export const ciliumBuilder = addonManifestBuilder({
  name: 'cilium',
  file: ADDON_FILES.cilium,
  origin: ['spec', 'network'],
  wanted: (model) => model.network.plugin === 'cilium',
  manifests: ciliumManifests,
});
