// Flannel with the VXLAN backend, as upstream's kube-flannel.yml (in kube-system, as Kubespray
// installs it): RBAC, kube-flannel-cfg with net-conf.json from the spec, and the DaemonSet whose
// init containers install the flannel CNI plugin binary and the CNI config.
import type { ClusterModel } from '../../model/model.js';
import { firstControlPlane, podSubnetOf } from '../../model/model.js';
import { networkImages } from '../../catalog/network.js';
import { KUBE_SYSTEM, clusterRole, clusterRoleBinding, envFromField, hostPathVolume, metadata, serviceAccount, type K8sObject } from './k8s.js';

const LABELS = { app: 'flannel', 'k8s-app': 'flannel' };

/** net-conf.json: the pod network flanneld carves node subnets from (the kube-controller-manager's podCIDRs, --kube-subnet-mgr). */
export function flannelNetConf(model: ClusterModel) {
  const v4 = podSubnetOf(model, 'IPv4');
  const v6 = podSubnetOf(model, 'IPv6');
  return {
    ...(v4 ? { Network: v4, SubnetLen: model.kubernetes.nodeCidrMaskSize } : { EnableIPv4: false }),
    // Dual-stack and IPv6-only (flannel's EnableIPv6; the vxlan backend tunnels IPv6 over IPv6).
    ...(v6 ? { EnableIPv6: true, IPv6Network: v6, IPv6SubnetLen: model.kubernetes.nodeCidrMaskSizeIPv6 } : {}),
    // Masquerade and forward rules in nftables, next to a kube-proxy that uses nftables too.
    EnableNFTables: model.kubernetes.proxyMode === 'nftables',
    Backend: { Type: 'vxlan' },
  };
}

/** The CNI conflist install-cni copies to /etc/cni/net.d/10-flannel.conflist. */
export function flannelCniConf(model: ClusterModel) {
  return {
    name: 'cbr0',
    cniVersion: '0.3.1',
    plugins: [
      {
        type: 'flannel',
        // The flannel plugin passes flanneld's MTU (interface minus VXLAN overhead) to the bridge
        // unless the delegate sets one: spec.network.mtu overrides it.
        delegate: { hairpinMode: true, isDefaultGateway: true, ...(model.network.mtu !== 0 ? { mtu: model.network.mtu } : {}) },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
}

function configMap(model: ClusterModel): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata('kube-flannel-cfg', { namespace: KUBE_SYSTEM, labels: LABELS }),
    data: {
      'cni-conf.json': JSON.stringify(flannelCniConf(model), null, 2),
      'net-conf.json': JSON.stringify(flannelNetConf(model), null, 2),
    },
  };
}

function daemonSet(model: ClusterModel): K8sObject {
  const img = networkImages(model.artifacts.registry);
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: metadata('kube-flannel-ds', { namespace: KUBE_SYSTEM, labels: LABELS }),
    spec: {
      selector: { matchLabels: LABELS },
      template: {
        metadata: { labels: LABELS },
        spec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }] }],
              },
            },
          },
          hostNetwork: true,
          priorityClassName: 'system-node-critical',
          tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
          serviceAccountName: 'flannel',
          initContainers: [
            {
              name: 'install-cni-plugin',
              image: img.flannelCniPlugin,
              command: ['cp'],
              args: ['-f', '/flannel', '/opt/cni/bin/flannel'],
              volumeMounts: [{ name: 'cni-plugin', mountPath: '/opt/cni/bin' }],
            },
            {
              name: 'install-cni',
              image: img.flannel,
              command: ['cp'],
              args: ['-f', '/etc/kube-flannel/cni-conf.json', '/etc/cni/net.d/10-flannel.conflist'],
              volumeMounts: [
                { name: 'cni', mountPath: '/etc/cni/net.d' },
                { name: 'flannel-cfg', mountPath: '/etc/kube-flannel/' },
              ],
            },
          ],
          containers: [
            {
              name: 'kube-flannel',
              image: img.flannel,
              command: ['/opt/bin/flanneld'],
              // The interface that reaches the control plane carries VXLAN, also on multi-homed nodes.
              args: ['--ip-masq', '--kube-subnet-mgr', `--iface-can-reach=${firstControlPlane(model).address}`],
              resources: { requests: { cpu: '100m', memory: '50Mi' } },
              securityContext: { privileged: false, capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } },
              env: [
                envFromField('POD_NAME', 'metadata.name'),
                envFromField('POD_NAMESPACE', 'metadata.namespace'),
                { name: 'EVENT_QUEUE_DEPTH', value: '5000' },
                { name: 'CONT_WHEN_CACHE_NOT_READY', value: 'false' },
              ],
              volumeMounts: [
                { name: 'run', mountPath: '/run/flannel' },
                { name: 'flannel-cfg', mountPath: '/etc/kube-flannel/' },
                { name: 'xtables-lock', mountPath: '/run/xtables.lock' },
              ],
            },
          ],
          volumes: [
            hostPathVolume('run', '/run/flannel'),
            hostPathVolume('cni-plugin', '/opt/cni/bin'),
            hostPathVolume('cni', '/etc/cni/net.d'),
            { name: 'flannel-cfg', configMap: { name: 'kube-flannel-cfg' } },
            hostPathVolume('xtables-lock', '/run/xtables.lock', 'FileOrCreate'),
          ],
        },
      },
    },
  };
}

export function flannelManifests(model: ClusterModel): K8sObject[] {
  return [
    serviceAccount('flannel'),
    clusterRole('flannel', [
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch'] },
    ]),
    clusterRoleBinding('flannel', 'flannel', 'flannel'),
    configMap(model),
    daemonSet(model),
  ];
}
