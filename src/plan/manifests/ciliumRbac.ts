// Cilium's ServiceAccounts and RBAC, as upstream's chart renders them without Hubble, Envoy,
// ingress or Gateway API (none of which kspray enables).
import { KUBE_SYSTEM, clusterRole, clusterRoleBinding, metadata, serviceAccount, type K8sObject, type PolicyRule } from './k8s.js';

const LIST_WATCH = ['get', 'list', 'watch'];
const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): PolicyRule => ({
  apiGroups,
  resources,
  verbs,
  ...(resourceNames ? { resourceNames } : {}),
});

const CILIUM_CRDS = [
  'ciliumloadbalancerippools', 'ciliumbgppeeringpolicies', 'ciliumbgpnodeconfigs', 'ciliumbgpadvertisements', 'ciliumbgppeerconfigs',
  'ciliumclusterwideenvoyconfigs', 'ciliumclusterwidenetworkpolicies', 'ciliumegressgatewaypolicies', 'ciliumendpoints',
  'ciliumendpointslices', 'ciliumenvoyconfigs', 'ciliumidentities', 'ciliumlocalredirectpolicies', 'ciliumnetworkpolicies',
  'ciliumnodes', 'ciliumnodeconfigs', 'ciliumcidrgroups', 'ciliuml2announcementpolicies', 'ciliumpodippools',
];

const AGENT_RULES: PolicyRule[] = [
  rule(['networking.k8s.io'], ['networkpolicies'], LIST_WATCH),
  rule(['discovery.k8s.io'], ['endpointslices'], LIST_WATCH),
  rule([''], ['namespaces', 'services', 'pods', 'endpoints', 'nodes'], LIST_WATCH),
  rule(['coordination.k8s.io'], ['leases'], ['create', 'get', 'update', 'list', 'delete']),
  rule(['apiextensions.k8s.io'], ['customresourcedefinitions'], LIST_WATCH),
  rule(['cilium.io'], CILIUM_CRDS, ['list', 'watch']),
  rule(['cilium.io'], ['ciliumidentities', 'ciliumendpoints', 'ciliumnodes'], ['create']),
  rule(['cilium.io'], ['ciliumidentities'], ['update']),
  rule(['cilium.io'], ['ciliumendpoints'], ['delete', 'get']),
  rule(['cilium.io'], ['ciliumnodes', 'ciliumnodes/status'], ['get', 'update']),
  rule(['cilium.io'], ['ciliumendpoints/status', 'ciliumendpoints', 'ciliuml2announcementpolicies/status', 'ciliumbgpnodeconfigs/status'], ['patch']),
];

const OPERATOR_RULES: PolicyRule[] = [
  // delete: restarts kube-dns pods started before Cilium managed them.
  rule([''], ['pods'], ['get', 'list', 'watch', 'delete']),
  rule([''], ['configmaps'], ['patch'], ['cilium-config']),
  rule([''], ['nodes'], ['list', 'watch']),
  // Removes the node taints and sets NetworkUnavailable=false.
  rule([''], ['nodes', 'nodes/status'], ['patch']),
  rule(['discovery.k8s.io'], ['endpointslices'], LIST_WATCH),
  rule([''], ['services/status'], ['update', 'patch']),
  rule([''], ['namespaces', 'secrets'], LIST_WATCH),
  rule([''], ['services', 'endpoints'], ['get', 'list', 'watch', 'create', 'update', 'delete', 'patch']),
  rule(['cilium.io'], ['ciliumnetworkpolicies', 'ciliumclusterwidenetworkpolicies'], ['create', 'update', 'deletecollection', 'patch', 'get', 'list', 'watch']),
  rule(['cilium.io'], ['ciliumnetworkpolicies/status', 'ciliumclusterwidenetworkpolicies/status'], ['patch', 'update']),
  rule(['cilium.io'], ['ciliumendpoints', 'ciliumidentities'], ['delete', 'list', 'watch']),
  rule(['cilium.io'], ['ciliumidentities'], ['update']),
  rule(['cilium.io'], ['ciliumnodes'], ['create', 'update', 'get', 'list', 'watch', 'delete']),
  rule(['cilium.io'], ['ciliumnodes/status'], ['update']),
  rule(['cilium.io'], ['ciliumendpointslices', 'ciliumenvoyconfigs', 'ciliumbgppeerconfigs', 'ciliumbgpadvertisements', 'ciliumbgpnodeconfigs'], [
    'create', 'update', 'get', 'list', 'watch', 'delete', 'patch',
  ]),
  rule(['cilium.io'], ['ciliumbgpclusterconfigs/status', 'ciliumbgppeerconfigs/status'], ['update']),
  // The operator registers Cilium's CRDs itself (no CRD manifest to ship or download).
  rule(['apiextensions.k8s.io'], ['customresourcedefinitions'], ['create', 'get', 'list', 'watch']),
  rule(['apiextensions.k8s.io'], ['customresourcedefinitions'], ['update'], [...CILIUM_CRDS, 'ciliumbgpclusterconfigs', 'ciliumbgpnodeconfigoverrides'].map((c) => `${c}.cilium.io`).sort()),
  rule(['cilium.io'], ['ciliumloadbalancerippools', 'ciliumpodippools', 'ciliumbgppeeringpolicies', 'ciliumbgpclusterconfigs', 'ciliumbgpnodeconfigoverrides', 'ciliumbgppeerconfigs'], LIST_WATCH),
  rule(['cilium.io'], ['ciliumpodippools'], ['create']),
  rule(['cilium.io'], ['ciliumloadbalancerippools/status'], ['patch']),
  // Leader election between operator replicas.
  rule(['coordination.k8s.io'], ['leases'], ['create', 'get', 'update']),
];

/** The agent's config init container reads cilium-config through the API (cilium-dbg build-config). */
function configReaderRole(): K8sObject[] {
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: metadata('cilium-config-agent', { namespace: KUBE_SYSTEM }),
      rules: [rule([''], ['configmaps'], LIST_WATCH)],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: metadata('cilium-config-agent', { namespace: KUBE_SYSTEM }),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cilium-config-agent' },
      subjects: [{ kind: 'ServiceAccount', name: 'cilium', namespace: KUBE_SYSTEM }],
    },
  ];
}

export function ciliumRbac(): K8sObject[] {
  return [
    serviceAccount('cilium'),
    serviceAccount('cilium-operator'),
    clusterRole('cilium', AGENT_RULES),
    clusterRole('cilium-operator', OPERATOR_RULES),
    clusterRoleBinding('cilium', 'cilium', 'cilium'),
    clusterRoleBinding('cilium-operator', 'cilium-operator', 'cilium-operator'),
    ...configReaderRole(),
  ];
}
