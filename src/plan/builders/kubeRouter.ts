// kube-router (routing + NetworkPolicy, kube-proxy kept) on the first control plane.
import { ADDON_FILES } from '../manifests/addonFiles.js';
import { kubeRouterManifests } from '../manifests/kubeRouter.js';
import { addonManifestBuilder } from './networkPlugin.js';

export const kubeRouterBuilder = addonManifestBuilder({
  name: 'kubeRouter',
  file: ADDON_FILES.kubeRouter,
  origin: ['spec', 'network'],
  wanted: (model) => model.network.plugin === 'kube-router',
  manifests: kubeRouterManifests,
});
