// Multus on top of the cluster's plugin (spec.network.multus), applied after the plugin's manifest.
import { ADDON_FILES } from '../manifests/addonFiles.js';
import { multusManifests } from '../manifests/multus.js';
import { addonManifestBuilder } from './networkPlugin.js';

export const multusBuilder = addonManifestBuilder({
  name: 'multus',
  file: ADDON_FILES.multus,
  origin: ['spec', 'network', 'multus'],
  wanted: (model) => model.network.multus,
  manifests: multusManifests,
});
