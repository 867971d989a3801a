// Flannel (VXLAN) on the first control plane (spec.network.plugin: flannel).
import { ADDON_FILES } from '../manifests/addonFiles.js';
import { flannelManifests } from '../manifests/flannel.js';
import { addonManifestBuilder } from './networkPlugin.js';

export const flannelBuilder = addonManifestBuilder({
  name: 'flannel',
  file: ADDON_FILES.flannel,
  origin: ['spec', 'network'],
  wanted: (model) => model.network.plugin === 'flannel',
  manifests: flannelManifests,
});
