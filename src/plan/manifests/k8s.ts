// Small builders for the Kubernetes object shapes every addon manifest repeats. Manifests are
// plain objects serialized by text/yaml.ts (never templated text), so these only save typing.

/** A Kubernetes object as kspray emits it; shape checks happen in the tests with kubectl. */
export type K8sObject = Record<string, unknown>;

export const KUBE_SYSTEM = 'kube-system';

export function metadata(name: string, extra: { namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } = {}) {
  return {
    name,
    ...(extra.namespace ? { namespace: extra.namespace } : {}),
    ...(extra.labels ? { labels: extra.labels } : {}),
    ...(extra.annotations ? { annotations: extra.annotations } : {}),
  };
}

export function serviceAccount(name: string): K8sObject {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(name, { namespace: KUBE_SYSTEM }) };
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>): K8sObject {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: metadata(name, { labels }), rules };
}

/** Binds a ClusterRole to a kube-system ServiceAccount (the only subjects addons need). */
export function clusterRoleBinding(name: string, clusterRoleName: string, serviceAccountName: string): K8sObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: metadata(name),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRoleName },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccountName, namespace: KUBE_SYSTEM }],
  };
}

export function hostPathVolume(name: string, path: string, type?: string) {
  return { name, hostPath: { path, ...(type ? { type } : {}) } };
}

/** `env` entry from a ConfigMap key. */
export function envFromConfigMap(name: string, configMap: string, key: string) {
  return { name, valueFrom: { configMapKeyRef: { name: configMap, key } } };
}

/** `env` entry from the pod's own fields (spec.nodeName, status.hostIP, ...). */
export function envFromField(name: string, fieldPath: string) {
  return { name, valueFrom: { fieldRef: { fieldPath } } };
}
