// An in-cluster image registry (registry:2, version from Kubespray's download.yml), as Kubespray's
// registry role: a Deployment and its Service, images in an emptyDir or on a PersistentVolumeClaim
// of the given StorageClass. Plain HTTP inside the cluster; nodes pull from it through its Service
// only if the runtime is told to (containerd hosts.toml), which kspray does not do for it.
import type { ClusterModel } from '../../model/model.js';
import { KUBE_SYSTEM, metadata, type K8sObject } from './k8s.js';

const NAME = 'registry';
const LABELS = { 'k8s-app': NAME };
const CLAIM = 'registry-pvc';
const DATA_DIR = '/var/lib/registry';

function deployment(model: ClusterModel): K8sObject {
  const r = model.addons.registry;
  const probe = { httpGet: { path: '/', port: 'registry' }, periodSeconds: 10 };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(NAME, { namespace: r.namespace, labels: LABELS }),
    spec: {
      replicas: 1,
      // One pod at a time: a ReadWriteOnce claim cannot be mounted by the old and the new pod.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: LABELS },
      template: {
        metadata: { labels: LABELS },
        spec: {
          // Kubespray's choice; other namespaces get no system priority class.
          ...(r.namespace === KUBE_SYSTEM ? { priorityClassName: 'system-cluster-critical' } : {}),
          serviceAccountName: NAME,
          containers: [
            {
              name: NAME,
              image: r.image,
              imagePullPolicy: 'IfNotPresent',
              env: [
                { name: 'REGISTRY_HTTP_ADDR', value: `:${r.port}` },
                { name: 'REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY', value: DATA_DIR },
              ],
              ports: [{ containerPort: r.port, name: 'registry', protocol: 'TCP' }],
              livenessProbe: probe,
              readinessProbe: probe,
              volumeMounts: [{ name: 'data', mountPath: DATA_DIR }],
            },
          ],
          volumes: [r.persistence ? { name: 'data', persistentVolumeClaim: { claimName: CLAIM } } : { name: 'data', emptyDir: {} }],
        },
      },
    },
  };
}

export function registryManifests(model: ClusterModel): K8sObject[] {
  const r = model.addons.registry;
  const ns = r.namespace;
  return [
    ...(ns === KUBE_SYSTEM ? [] : [{ apiVersion: 'v1', kind: 'Namespace', metadata: metadata(ns) }]),
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(NAME, { namespace: ns }) },
    ...(r.persistence
      ? [
          {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            metadata: metadata(CLAIM, { namespace: ns, labels: LABELS }),
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: r.persistence.storageClass,
              resources: { requests: { storage: r.persistence.size } },
            },
          },
        ]
      : []),
    deployment(model),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(NAME, { namespace: ns, labels: LABELS }),
      spec: { selector: LABELS, ports: [{ name: NAME, port: r.port, protocol: 'TCP', targetPort: 'registry' }] },
    },
  ];
}
