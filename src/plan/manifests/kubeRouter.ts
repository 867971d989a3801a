// kube-router as pod router and NetworkPolicy firewall (its service proxy off: kube-proxy stays),
// as upstream's daemonset/kubeadm-kuberouter.yaml: RBAC, kube-router-cfg with the bridge CNI
// config (bridge and host-local come from the CNI plugins every node installs), the DaemonSet.
import type { ClusterModel } from '../../model/model.js';
import { hasIPv4, hasIPv6 } from '../../model/model.js';
import { networkImages } from '../../catalog/network.js';
import { apiServerEnv } from './cniApiServer.js';
import { KUBE_SYSTEM, clusterRole, clusterRoleBinding, envFromField, hostPathVolume, metadata, serviceAccount, type K8sObject } from './k8s.js';

const LABELS = { 'k8s-app': 'kube-router', tier: 'node' };
const CONFLIST = '/etc/cni/net.d/10-kuberouter.conflist';
const LIST = ['list', 'get', 'watch'];

export function kubeRouterCniConf(model: ClusterModel) {
  return {
    cniVersion: '0.3.0',
    name: 'mynet',
    plugins: [
      {
        name: 'kubernetes',
        type: 'bridge',
        bridge: 'kube-bridge',
        isDefaultGateway: true,
        // With --auto-mtu=false kube-router keeps the bridge MTU written here.
        ...(model.network.mtu !== 0 ? { mtu: model.network.mtu } : {}),
        ipam: { type: 'host-local' },
      },
      { type: 'portmap', capabilities: { snat: true, portMappings: true } },
    ],
  };
}

// Writes the conflist once (never over one kube-router already filled with the node's podCIDR).
const INSTALL_CNI = [
  'set -e -x;',
  `if [ ! -f ${CONFLIST} ]; then`,
  '  rm -f /etc/cni/net.d/*.conf;',
  '  TMP=/etc/cni/net.d/.tmp-kuberouter-cfg;',
  '  cp /etc/kube-router/cni-conf.json ${TMP};',
  `  mv \${TMP} ${CONFLIST};`,
  'fi',
].join('\n');

function daemonSet(model: ClusterModel): K8sObject {
  const image = networkImages(model.artifacts.registry).kubeRouter;
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: metadata('kube-router', { namespace: KUBE_SYSTEM, labels: LABELS }),
    spec: {
      selector: { matchLabels: LABELS },
      template: {
        metadata: { labels: LABELS },
        spec: {
          priorityClassName: 'system-node-critical',
          serviceAccountName: 'kube-router',
          containers: [
            {
              name: 'kube-router',
              image,
              imagePullPolicy: 'IfNotPresent',
              args: [
                '--run-router=true',
                '--run-firewall=true',
                '--run-service-proxy=false',
                '--bgp-graceful-restart=true',
                // kube-router 2.x: each family the cluster has (IPv4 is on by default).
                ...(hasIPv6(model) ? ['--enable-ipv6=true', ...(hasIPv4(model) ? [] : ['--enable-ipv4=false'])] : []),
                ...(model.network.mtu !== 0 ? ['--auto-mtu=false'] : []),
              ],
              env: [envFromField('NODE_NAME', 'spec.nodeName'), { name: 'KUBE_ROUTER_CNI_CONF_FILE', value: CONFLIST }, ...apiServerEnv(model)],
              livenessProbe: { httpGet: { path: '/healthz', port: 20244 }, initialDelaySeconds: 10, periodSeconds: 3 },
              resources: { requests: { cpu: '250m', memory: '250Mi' } },
              securityContext: { privileged: true },
              volumeMounts: [
                { name: 'lib-modules', mountPath: '/lib/modules', readOnly: true },
                { name: 'cni-conf-dir', mountPath: '/etc/cni/net.d' },
                { name: 'xtables-lock', mountPath: '/run/xtables.lock', readOnly: false },
              ],
            },
          ],
          initContainers: [
            {
              name: 'install-cni',
              image,
              imagePullPolicy: 'IfNotPresent',
              command: ['/bin/sh', '-c', INSTALL_CNI],
              volumeMounts: [
                { name: 'cni-conf-dir', mountPath: '/etc/cni/net.d' },
                { name: 'kube-router-cfg', mountPath: '/etc/kube-router' },
              ],
            },
          ],
          hostNetwork: true,
          tolerations: [
            { effect: 'NoSchedule', operator: 'Exists' },
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { effect: 'NoExecute', operator: 'Exists' },
          ],
          volumes: [
            hostPathVolume('lib-modules', '/lib/modules'),
            hostPathVolume('cni-conf-dir', '/etc/cni/net.d'),
            { name: 'kube-router-cfg', configMap: { name: 'kube-router-cfg' } },
            hostPathVolume('xtables-lock', '/run/xtables.lock', 'FileOrCreate'),
          ],
        },
      },
    },
  };
}

export function kubeRouterManifests(model: ClusterModel): K8sObject[] {
  return [
    serviceAccount('kube-router'),
    clusterRole('kube-router', [
      { apiGroups: [''], resources: ['namespaces', 'pods', 'services', 'nodes', 'endpoints'], verbs: LIST },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: LIST },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: LIST },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
      { apiGroups: [''], resources: ['services/status'], verbs: ['update'] },
    ]),
    clusterRoleBinding('kube-router', 'kube-router', 'kube-router'),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadata('kube-router-cfg', { namespace: KUBE_SYSTEM, labels: LABELS }),
      data: { 'cni-conf.json': JSON.stringify(kubeRouterCniConf(model), null, 2) },
    },
    daemonSet(model),
  ];
}
