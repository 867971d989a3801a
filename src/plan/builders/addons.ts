// Cluster addons the first control plane applies after `kubeadm init` (nodelocaldns, metrics-server,
// and the settings-driven ones of manifests/optionalAddons.ts), and addons.tsv: the one list of manifests the node downloads and verifies,
// whichever builder's addon needs them (two builders may not write one path).
import { toYamlStream } from '../../text/yaml.js';
import type { SpecPath } from '../../errors/errors.js';
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';
import { ADDONS_TSV, ADDON_FILES, addonPath, addonsTsv, remoteManifests } from '../manifests/addonFiles.js';
import { metricsServerManifests } from '../manifests/metricsServer.js';
import { nodeLocalDnsManifests } from '../manifests/nodeLocalDns.js';
import { optionalAddons } from '../manifests/optionalAddons.js';

/** The deepest spec path all `paths` share (provenance of a file built from several settings). */
function commonOrigin(paths: SpecPath[]): SpecPath {
  const [first, ...rest] = paths;
  if (!first) return ['spec'];
  let n = first.length;
  for (const p of rest) {
    let i = 0;
    while (i < n && i < p.length && p[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n);
}

export const addonsBuilder: Builder = {
  name: 'addons',
  build({ model, node, plan }) {
    if (!node.isFirstControlPlane) return;
    const add = (path: string, content: string, origin: SpecPath) =>
      addFile(plan, { path, content, mode: 0o644, builder: 'addons', origin });

    if (model.addons.nodeLocalDNS) {
      add(addonPath(ADDON_FILES.nodeLocalDNS), toYamlStream(nodeLocalDnsManifests(model)), ['spec', 'addons', 'nodeLocalDNS']);
    }
    if (model.addons.metricsServer) {
      add(addonPath(ADDON_FILES.metricsServer), toYamlStream(metricsServerManifests(model)), ['spec', 'addons', 'metricsServer']);
    }
    for (const [key, enabled, manifests] of optionalAddons(model)) {
      if (enabled) add(addonPath(ADDON_FILES[key]), toYamlStream(manifests()), ['spec', 'addons', key]);
    }
    const remote = remoteManifests(model);
    if (remote.length > 0) add(ADDONS_TSV, addonsTsv(remote), commonOrigin(remote.map((r) => r.origin)));
  },
};
