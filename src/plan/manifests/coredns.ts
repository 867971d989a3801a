// CoreDNS settings (spec.addons.coredns). kubeadm deploys CoreDNS with its own Corefile; when the
// spec changes the upstream servers or adds zones, the first control plane applies this ConfigMap
// over kubeadm's (server-side apply takes data.Corefile over), and CoreDNS's reload plugin picks it
// up. Everything else is kubeadm's Corefile (cmd/kubeadm/app/phases/addons/dns/manifests.go), so
// `kubeadm upgrade` finds the semantics it expects and keeps the customized ConfigMap.
import type { ClusterModel } from '../../model/model.js';
import type { DnsZone } from '../../model/addonSettings.js';
import { KUBE_SYSTEM, metadata, type K8sObject } from './k8s.js';

const indent = (lines: string[], n = 4) => lines.map((l) => ' '.repeat(n) + l);

/** One stub-domain block: the zone's own servers, nothing from the cluster (Kubespray coredns_external_zones). */
export function zoneBlock(z: DnsZone): string[] {
  return [
    `${z.name}:53 {`,
    ...indent(['errors', ...(z.cache > 0 ? [`cache ${z.cache}`] : []), `forward . ${z.servers.join(' ')}`, 'loadbalance', 'reload']),
    '}',
  ];
}

export function corefile(model: ClusterModel): string {
  const domain = model.kubernetes.clusterDomain;
  const { upstream, zones } = model.addons.coredns;
  const main = [
    '.:53 {',
    ...indent([
      'errors',
      'health {',
      '   lameduck 5s',
      '}',
      'ready',
      `kubernetes ${domain} in-addr.arpa ip6.arpa {`,
      '   pods insecure',
      '   fallthrough in-addr.arpa ip6.arpa',
      '   ttl 30',
      '}',
      'prometheus :9153',
      `forward . ${upstream.join(' ')} {`,
      '   max_concurrent 1000',
      '}',
      // The cluster zone is answered from the API watch: caching it only delays new Services.
      'cache 30 {',
      `   disable success ${domain}`,
      `   disable denial ${domain}`,
      '}',
      'loop',
      'reload',
      'loadbalance',
    ]),
    '}',
  ];
  return [...main, ...zones.flatMap(zoneBlock)].join('\n') + '\n';
}

/** kubeadm's coredns ConfigMap (same name and key, so its Deployment's volume reads it unchanged). */
export function corednsManifests(model: ClusterModel): K8sObject[] {
  return [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata('coredns', { namespace: KUBE_SYSTEM }), data: { Corefile: corefile(model) } }];
}
