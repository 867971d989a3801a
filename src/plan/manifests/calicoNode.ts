// The calico-node DaemonSet (kdd datastore), as upstream manifests/calico.yaml v3.31, with the pool,
// encapsulation, MTU and address detection taken from the model instead of edited by hand.
import type { ClusterModel } from '../../model/model.js';
import { addressOf, firstControlPlane, hasIPv6, podSubnetOf } from '../../model/model.js';
import { calicoNetworking } from './calicoConfig.js';
import { KUBE_SYSTEM, envFromConfigMap, envFromField, hostPathVolume, metadata, type K8sObject } from './k8s.js';

const LABELS = { 'k8s-app': 'calico-node' };

// Lets an operator later point Calico at the API server directly (eBPF mode) without a new manifest.
const SERVICES_ENDPOINT = [{ configMapRef: { name: 'kubernetes-services-endpoint', optional: true } }];

/**
 * Node address detection and the default pools, per family the cluster has (Calico's dual-stack and
 * IPv6-only settings): a family's address is autodetected as the one that routes to the first
 * control plane's address of that family (also on multi-homed machines, where "first-found" picks
 * the wrong interface), and its pool is created once on first start (changing these later has no
 * effect). A family the cluster lacks gets IP/IP6 "none" and no pool settings.
 */
function addressEnv(model: ClusterModel) {
  const net = calicoNetworking(model);
  const first = firstControlPlane(model);
  const v4 = podSubnetOf(model, 'IPv4');
  const v6 = podSubnetOf(model, 'IPv6');
  return [
    ...(v4
      ? [
          { name: 'IP', value: 'autodetect' },
          { name: 'IP_AUTODETECTION_METHOD', value: `can-reach=${addressOf(model, first, 'IPv4')}` },
          { name: 'CALICO_IPV4POOL_CIDR', value: v4 },
          { name: 'CALICO_IPV4POOL_BLOCK_SIZE', value: String(model.network.calico.blockSize) },
          { name: 'CALICO_IPV4POOL_IPIP', value: net.ipip },
          { name: 'CALICO_IPV4POOL_VXLAN', value: net.vxlan },
        ]
      : [{ name: 'IP', value: 'none' }]),
    ...(v6
      ? [
          { name: 'IP6', value: 'autodetect' },
          { name: 'IP6_AUTODETECTION_METHOD', value: `can-reach=${addressOf(model, first, 'IPv6')}` },
          { name: 'CALICO_IPV6POOL_CIDR', value: v6 },
          { name: 'CALICO_IPV6POOL_BLOCK_SIZE', value: String(model.kubernetes.nodeCidrMaskSizeIPv6) },
          // Calico has no IP-in-IP for IPv6 (rules refuse ipip with IPv6): VXLAN or nothing.
          { name: 'CALICO_IPV6POOL_VXLAN', value: net.vxlan },
        ]
      : [{ name: 'CALICO_IPV6POOL_VXLAN', value: 'Never' }]),
  ];
}

function calicoNodeEnv(model: ClusterModel) {
  const net = calicoNetworking(model);
  const mtuFromConfig = (name: string) => envFromConfigMap(name, 'calico-config', 'veth_mtu');
  return [
    { name: 'DATASTORE_TYPE', value: 'kubernetes' },
    { name: 'WAIT_FOR_DATASTORE', value: 'true' },
    envFromField('NODENAME', 'spec.nodeName'),
    envFromConfigMap('CALICO_NETWORKING_BACKEND', 'calico-config', 'calico_backend'),
    // "bgp" tells Calico BGP is in use; it is not with the VXLAN backend (upstream calico-vxlan.yaml).
    { name: 'CLUSTER_TYPE', value: net.backend === 'bird' ? 'k8s,bgp' : 'k8s' },
    ...addressEnv(model),
    // Tunnel MTUs only when the spec sets one; otherwise Felix detects them from the host.
    ...(model.network.mtu !== 0
      ? [mtuFromConfig('FELIX_IPINIPMTU'), mtuFromConfig('FELIX_VXLANMTU'), mtuFromConfig('FELIX_WIREGUARDMTU')]
      : []),
    { name: 'CALICO_DISABLE_FILE_LOGGING', value: 'true' },
    { name: 'FELIX_DEFAULTENDPOINTTOHOSTACTION', value: 'ACCEPT' },
    { name: 'FELIX_IPV6SUPPORT', value: String(hasIPv6(model)) },
    { name: 'FELIX_HEALTHENABLED', value: 'true' },
  ];
}

function initContainers(model: ClusterModel) {
  const cni = model.images.calicoCni;
  const privileged = { privileged: true };
  return [
    {
      // Migrates host-local IPAM allocations to calico-ipam; a no-op on a fresh cluster (kept as upstream).
      name: 'upgrade-ipam',
      image: cni,
      imagePullPolicy: 'IfNotPresent',
      command: ['/opt/cni/bin/calico-ipam', '-upgrade'],
      envFrom: SERVICES_ENDPOINT,
      env: [
        envFromField('KUBERNETES_NODE_NAME', 'spec.nodeName'),
        envFromConfigMap('CALICO_NETWORKING_BACKEND', 'calico-config', 'calico_backend'),
      ],
      volumeMounts: [
        { mountPath: '/var/lib/cni/networks', name: 'host-local-net-dir' },
        { mountPath: '/host/opt/cni/bin', name: 'cni-bin-dir' },
      ],
      securityContext: privileged,
    },
    {
      // Installs the calico/calico-ipam binaries and writes 10-calico.conflist on the node.
      name: 'install-cni',
      image: cni,
      imagePullPolicy: 'IfNotPresent',
      command: ['/opt/cni/bin/install'],
      envFrom: SERVICES_ENDPOINT,
      env: [
        { name: 'CNI_CONF_NAME', value: '10-calico.conflist' },
        envFromConfigMap('CNI_NETWORK_CONFIG', 'calico-config', 'cni_network_config'),
        envFromField('KUBERNETES_NODE_NAME', 'spec.nodeName'),
        envFromConfigMap('CNI_MTU', 'calico-config', 'veth_mtu'),
        { name: 'SLEEP', value: 'false' },
      ],
      volumeMounts: [
        { mountPath: '/host/opt/cni/bin', name: 'cni-bin-dir' },
        { mountPath: '/host/etc/cni/net.d', name: 'cni-net-dir' },
      ],
      securityContext: privileged,
    },
    {
      // Mounts bpffs and cgroup2 on the host (Bidirectional, so they outlive this container); best
      // effort, so nodes without eBPF support still start in iptables mode.
      name: 'mount-bpffs',
      image: model.images.calicoNode,
      imagePullPolicy: 'IfNotPresent',
      command: ['calico-node', '-init', '-best-effort'],
      volumeMounts: [
        { mountPath: '/sys/fs', name: 'sys-fs', mountPropagation: 'Bidirectional' },
        { mountPath: '/var/run/calico', name: 'var-run-calico', mountPropagation: 'Bidirectional' },
        { mountPath: '/nodeproc', name: 'nodeproc', readOnly: true },
      ],
      securityContext: privileged,
    },
  ];
}

function calicoNodeContainer(model: ClusterModel) {
  // BIRD runs only with the bird backend: probing it under VXLAN would fail forever.
  const bird = calicoNetworking(model).backend === 'bird';
  return {
    name: 'calico-node',
    image: model.images.calicoNode,
    imagePullPolicy: 'IfNotPresent',
    envFrom: SERVICES_ENDPOINT,
    env: calicoNodeEnv(model),
    securityContext: { privileged: true },
    resources: { requests: { cpu: '250m' } },
    lifecycle: { preStop: { exec: { command: ['/bin/calico-node', '-shutdown'] } } },
    livenessProbe: {
      exec: { command: ['/bin/calico-node', '-felix-live', ...(bird ? ['-bird-live'] : [])] },
      periodSeconds: 10,
      initialDelaySeconds: 10,
      failureThreshold: 6,
      timeoutSeconds: 10,
    },
    readinessProbe: {
      exec: { command: ['/bin/calico-node', '-felix-ready', ...(bird ? ['-bird-ready'] : [])] },
      periodSeconds: 10,
      timeoutSeconds: 10,
    },
    volumeMounts: [
      { mountPath: '/host/etc/cni/net.d', name: 'cni-net-dir', readOnly: false },
      { mountPath: '/lib/modules', name: 'lib-modules', readOnly: true },
      { mountPath: '/run/xtables.lock', name: 'xtables-lock', readOnly: false },
      { mountPath: '/var/run/calico', name: 'var-run-calico', readOnly: false },
      { mountPath: '/var/lib/calico', name: 'var-lib-calico', readOnly: false },
      { mountPath: '/var/run/nodeagent', name: 'policysync' },
      { mountPath: '/sys/fs/bpf', name: 'bpffs' },
      { mountPath: '/var/log/calico/cni', name: 'cni-log-dir', readOnly: true },
    ],
  };
}

export function calicoNodeDaemonSet(model: ClusterModel): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: metadata('calico-node', { namespace: KUBE_SYSTEM, labels: LABELS }),
    spec: {
      selector: { matchLabels: LABELS },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: LABELS },
        spec: {
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          hostNetwork: true,
          // Every node needs pod networking, whatever its taints.
          tolerations: [
            { effect: 'NoSchedule', operator: 'Exists' },
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { effect: 'NoExecute', operator: 'Exists' },
          ],
          serviceAccountName: 'calico-node',
          securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
          // Shortest downtime on rolling upgrades: calico-node's preStop does the cleanup.
          terminationGracePeriodSeconds: 0,
          priorityClassName: 'system-node-critical',
          initContainers: initContainers(model),
          containers: [calicoNodeContainer(model)],
          volumes: [
            hostPathVolume('lib-modules', '/lib/modules'),
            hostPathVolume('var-run-calico', '/var/run/calico', 'DirectoryOrCreate'),
            hostPathVolume('var-lib-calico', '/var/lib/calico', 'DirectoryOrCreate'),
            hostPathVolume('xtables-lock', '/run/xtables.lock', 'FileOrCreate'),
            hostPathVolume('sys-fs', '/sys/fs/', 'DirectoryOrCreate'),
            hostPathVolume('bpffs', '/sys/fs/bpf', 'Directory'),
            hostPathVolume('nodeproc', '/proc'),
            hostPathVolume('cni-bin-dir', '/opt/cni/bin', 'DirectoryOrCreate'),
            hostPathVolume('cni-net-dir', '/etc/cni/net.d'),
            hostPathVolume('cni-log-dir', '/var/log/calico/cni'),
            hostPathVolume('host-local-net-dir', '/var/lib/cni/networks'),
            hostPathVolume('policysync', '/var/run/nodeagent', 'DirectoryOrCreate'),
          ],
        },
      },
    },
  };
}
