// Network plugin versions and images (cilium, flannel, kube-router, multus), as Kubespray's
// download.yml pins them: its *_version variables and *_image_repo / *_image_tag templates, resolved
// against the same file, so a catalog update moves every plugin with it. Calico stays in catalog.ts.
import { inRegistry, kubesprayDownloadVar } from './catalog.js';

/** A download.yml variable with its `{{ var }}` references resolved (only plain variables occur in the ones used here). */
function variable(name: string, depth = 0): string {
  if (depth > 5) throw new Error(`catalog: ${name} in Kubespray's download.yml nests too deep`);
  return kubesprayDownloadVar(name).replace(/\{\{\s*([a-z0-9_]+)\s*\}\}/g, (_m, ref: string) => variable(ref, depth + 1));
}

export interface NetworkVersions {
  cilium: string;
  flannel: string;
  /** flannel-cni-plugin, e.g. 1.7.1-flannel1. */
  flannelCni: string;
  kubeRouter: string;
  multus: string;
}

export function networkVersions(): NetworkVersions {
  return {
    cilium: variable('cilium_version'),
    flannel: variable('flannel_version'),
    flannelCni: variable('flannel_cni_version'),
    kubeRouter: variable('kube_router_version'),
    multus: variable('multus_version'),
  };
}

export interface NetworkImages {
  cilium: string;
  /** The operator for clusters outside a cloud IPAM (the chart's "-generic" suffix on operator.image.repository). */
  ciliumOperator: string;
  flannel: string;
  flannelCniPlugin: string;
  kubeRouter: string;
  /** The thin plugin image (Kubespray's multus_image_tag has no "-thick" suffix). */
  multus: string;
}

/** Images of every network plugin, with `registry` replacing the upstream registry host (air-gap), as images() in catalog.ts. */
export function networkImages(registry?: string): NetworkImages {
  const r = (upstream: string) => inRegistry(upstream, registry);
  const image = (prefix: string, suffix = '') => r(`${variable(`${prefix}_image_repo`)}${suffix}:${variable(`${prefix}_image_tag`)}`);
  return {
    cilium: image('cilium'),
    ciliumOperator: image('cilium_operator', '-generic'),
    flannel: image('flannel'),
    flannelCniPlugin: image('flannel_init'),
    kubeRouter: image('kube_router'),
    multus: image('multus'),
  };
}
