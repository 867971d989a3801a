// Identities and permissions of Calico's kdd (Kubernetes datastore) install, as upstream
// manifests/calico.yaml v3.31: calico-node, the CNI plugin (its own, smaller token since 3.26,
// minted by calico-node) and calico-kube-controllers.
import { clusterRole, clusterRoleBinding, serviceAccount, type K8sObject, type PolicyRule } from './k8s.js';

const CALICO = 'crd.projectcalico.org';
const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): PolicyRule => ({
  apiGroups,
  resources,
  verbs,
  ...(resourceNames ? { resourceNames } : {}),
});

const CALICO_NODE_RULES: PolicyRule[] = [
  // calico-node mints the CNI plugin's service-account tokens.
  rule([''], ['serviceaccounts/token'], ['create'], ['calico-cni-plugin']),
  rule([''], ['pods', 'nodes', 'namespaces'], ['get']),
  // EndpointSlices and Services: service-based policy and service IP advertisement.
  rule(['discovery.k8s.io'], ['endpointslices'], ['watch', 'list']),
  rule([''], ['endpoints', 'services'], ['watch', 'list', 'get']),
  // kubeadm pod CIDR auto-detection reads the kubeadm-config ConfigMap.
  rule([''], ['configmaps'], ['get']),
  // Clears NodeNetworkUnavailable and keeps Calico's node annotations.
  rule([''], ['nodes/status'], ['patch', 'update']),
  rule(['networking.k8s.io'], ['networkpolicies'], ['watch', 'list']),
  rule(['policy.networking.k8s.io'], ['adminnetworkpolicies', 'baselineadminnetworkpolicies'], ['watch', 'list']),
  rule([''], ['pods', 'namespaces', 'serviceaccounts'], ['list', 'watch']),
  rule([''], ['pods/status'], ['patch']),
  rule(
    [CALICO],
    [
      'globalfelixconfigs', 'felixconfigurations', 'bgppeers', 'bgpfilters', 'globalbgpconfigs',
      'bgpconfigurations', 'ippools', 'ipreservations', 'ipamblocks', 'globalnetworkpolicies',
      'stagedglobalnetworkpolicies', 'networkpolicies', 'stagednetworkpolicies',
      'stagedkubernetesnetworkpolicies', 'globalnetworksets', 'networksets', 'clusterinformations',
      'hostendpoints', 'blockaffinities', 'caliconodestatuses', 'tiers',
    ],
    ['get', 'list', 'watch'],
  ),
  // Created or updated at startup (default tiers, pools, Felix/BGP config, cluster info).
  rule([CALICO], ['tiers'], ['create']),
  rule([CALICO], ['ippools', 'felixconfigurations', 'bgpconfigurations', 'clusterinformations'], ['create', 'update']),
  rule([CALICO], ['caliconodestatuses'], ['update']),
  rule([''], ['nodes'], ['get', 'list', 'watch']),
  // IPAM, done by the CNI plugin and calico-node.
  rule([CALICO], ['blockaffinities', 'ipamblocks', 'ipamhandles'], ['get', 'list', 'create', 'update', 'delete']),
  rule([CALICO], ['ipamconfigs'], ['get', 'create']),
  rule([CALICO], ['blockaffinities'], ['watch']),
  // upgrade-ipam (host-local → calico-ipam) reads the DaemonSet.
  rule(['apps'], ['daemonsets'], ['get']),
];

const CNI_PLUGIN_RULES: PolicyRule[] = [
  rule([''], ['pods', 'nodes', 'namespaces'], ['get']),
  rule([''], ['pods/status'], ['patch']),
  rule(
    [CALICO],
    ['blockaffinities', 'ipamblocks', 'ipamhandles', 'clusterinformations', 'ippools', 'ipreservations', 'ipamconfigs'],
    ['get', 'list', 'create', 'update', 'delete'],
  ),
];

const KUBE_CONTROLLERS_RULES: PolicyRule[] = [
  // Nodes: garbage-collects IPAM and Calico nodes of deleted Kubernetes nodes.
  rule([''], ['nodes'], ['watch', 'list', 'get']),
  rule([''], ['pods'], ['get', 'list', 'watch']),
  // LoadBalancer IP allocation (services, namespaces for selectors).
  rule([''], ['namespaces'], ['get', 'list', 'watch']),
  rule([''], ['services', 'services/status'], ['get', 'list', 'update', 'watch']),
  rule([CALICO], ['ipreservations'], ['list']),
  rule([CALICO], ['blockaffinities', 'ipamblocks', 'ipamhandles', 'ipamconfigs', 'tiers'], ['get', 'list', 'create', 'update', 'delete', 'watch']),
  rule([CALICO], ['ippools'], ['list', 'watch']),
  rule([CALICO], ['hostendpoints'], ['get', 'list', 'create', 'update', 'delete', 'watch']),
  rule([CALICO], ['clusterinformations'], ['get', 'list', 'create', 'update', 'watch']),
  rule([CALICO], ['kubecontrollersconfigurations'], ['get', 'list', 'create', 'update', 'watch']),
  rule([CALICO], ['kubecontrollersconfigurations/status'], ['get', 'update']),
  // Policy name migration (3.30+).
  rule(
    [CALICO],
    ['networkpolicies', 'stagednetworkpolicies', 'globalnetworkpolicies', 'stagedglobalnetworkpolicies'],
    ['watch', 'list', 'get', 'create', 'update', 'delete'],
  ),
  rule(['apps'], ['daemonsets'], ['get'], ['calico-node']),
];

export function calicoRbac(): K8sObject[] {
  return [
    serviceAccount('calico-kube-controllers'),
    serviceAccount('calico-node'),
    serviceAccount('calico-cni-plugin'),
    clusterRole('calico-kube-controllers', KUBE_CONTROLLERS_RULES),
    clusterRole('calico-node', CALICO_NODE_RULES),
    clusterRole('calico-cni-plugin', CNI_PLUGIN_RULES),
    // Lets kube-controller-manager's garbage collector read tiers (upstream tier-getter.yaml).
    clusterRole('calico-tier-getter', [rule(['projectcalico.org'], ['tiers'], ['get'])]),
    clusterRoleBinding('calico-kube-controllers', 'calico-kube-controllers', 'calico-kube-controllers'),
    clusterRoleBinding('calico-node', 'calico-node', 'calico-node'),
    clusterRoleBinding('calico-cni-plugin', 'calico-cni-plugin', 'calico-cni-plugin'),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'calico-tier-getter' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'calico-tier-getter' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:kube-controller-manager' }],
    },
  ];
}
