// The small manifests kspray generates around the upstream release manifests of the application
// addons (catalog/appAddons.ts): Argo CD's namespace, and MetalLB's configuration (its CRs).
import type { ClusterModel } from '../../model/model.js';
import { metadata, type K8sObject } from './k8s.js';

/** Upstream's install.yaml carries no namespace: kspray applies it with -n argocd (addons.tsv), as Argo CD documents. */
export const ARGOCD_NAMESPACE = 'argocd';
/** metallb-native.yaml creates this namespace and runs the controller and speakers in it. */
export const METALLB_NAMESPACE = 'metallb-system';

export function argocdNamespace(): K8sObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: metadata(ARGOCD_NAMESPACE) };
}

/**
 * One IPAddressPool per spec pool and, with l2, one L2Advertisement announcing them all (Kubespray's
 * layer2 template does the same). metallb.io/v1beta1 is the version MetalLB 0.13 serves for both.
 * Applied after metallb-native.yaml: kubectl retries until MetalLB's validating webhook answers.
 */
export function metallbConfig(metallb: NonNullable<ClusterModel['appAddons']['metallb']>): K8sObject[] {
  const pools = metallb.addressPools.map(
    (p): K8sObject => ({
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: metadata(p.name, { namespace: METALLB_NAMESPACE }),
      spec: { addresses: p.addresses },
    }),
  );
  if (!metallb.l2) return pools;
  return [
    ...pools,
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata: metadata('kspray-l2', { namespace: METALLB_NAMESPACE }),
      spec: { ipAddressPools: metallb.addressPools.map((p) => p.name) },
    },
  ];
}
