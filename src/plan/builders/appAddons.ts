// Argo CD, cert-manager and MetalLB on the first control plane. Their upstream release manifests
// are downloaded by the node (addons.tsv, written by the addons builder from remoteManifests);
// this builder writes what kspray generates around them and names the images those downloads
// pull, for `kspray artifacts list` (no file of the plan names them).
import { toYamlStream } from '../../text/yaml.js';
import { argocdImages, certManagerImages, metallbImages } from '../../catalog/appAddons.js';
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';
import { ADDON_FILES, addonPath } from '../manifests/addonFiles.js';
import { argocdNamespace, metallbConfig } from '../manifests/appAddons.js';

export const appAddonsBuilder: Builder = {
  name: 'app-addons',
  build({ model, node, plan }) {
    if (!node.isFirstControlPlane) return;
    const apps = model.appAddons;
    const { registry } = model.artifacts;
    const add = (file: string, docs: unknown[], origin: string) =>
      addFile(plan, { path: addonPath(file), content: toYamlStream(docs), mode: 0o644, builder: 'app-addons', origin: ['spec', 'addons', origin] });

    if (apps.certManager) plan.extraImages.push(...certManagerImages(apps.versions.certManager, registry));
    if (apps.metallb) {
      add(ADDON_FILES.metallbConfig, metallbConfig(apps.metallb), 'metallb');
      plan.extraImages.push(...metallbImages(apps.versions.metallb, registry));
    }
    if (apps.argocd) {
      add(ADDON_FILES.argocdNamespace, [argocdNamespace()], 'argocd');
      plan.extraImages.push(...argocdImages(apps.versions.argocd, registry));
    }
  },
};
