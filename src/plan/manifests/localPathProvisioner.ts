// local-path-provisioner (rancher, version from Kubespray's download.yml): PersistentVolumes as
// directories under claimRoot of the node the consuming pod lands on. As upstream's
// deploy/local-path-storage.yaml and Kubespray's local_path_provisioner role, with the helper
// image pinned (src/catalog/addons.ts).
import type { ClusterModel } from '../../model/model.js';
import { toYaml } from '../../text/yaml.js';
import { KUBE_SYSTEM, clusterRole, metadata, type K8sObject } from './k8s.js';

const NAME = 'local-path-provisioner';
const SA = 'local-path-provisioner-service-account';
const ROLE = 'local-path-provisioner-role';
const CONFIG = 'local-path-config';
const LABELS = { app: NAME };
const PROVISIONER = 'rancher.io/local-path';

const subject = (ns: string) => [{ kind: 'ServiceAccount', name: SA, namespace: ns }];

/** The helper pod that runs setup/teardown on the volume's node; the provisioner fills in the rest. */
function helperPod(model: ClusterModel): string {
  return toYaml({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'helper-pod' },
    spec: {
      priorityClassName: 'system-node-critical',
      // Deleting a volume is how a node under disk pressure gets space back.
      tolerations: [{ key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' }],
      containers: [{ name: 'helper-pod', image: model.addons.localPathProvisioner.helperImage, imagePullPolicy: 'IfNotPresent' }],
    },
  });
}

function configMap(model: ClusterModel, ns: string): K8sObject {
  const nodePathMap = [{ node: 'DEFAULT_PATH_FOR_NON_LISTED_NODES', paths: [model.addons.localPathProvisioner.claimRoot] }];
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(CONFIG, { namespace: ns }),
    data: {
      'config.json': JSON.stringify({ nodePathMap }, null, 2),
      // The provisioner passes the volume's directory as VOL_DIR (v0.0.21+).
      setup: '#!/bin/sh\nset -eu\nmkdir -m 0777 -p "$VOL_DIR"\n',
      teardown: '#!/bin/sh\nset -eu\nrm -rf "$VOL_DIR"\n',
      'helperPod.yaml': helperPod(model),
    },
  };
}

function deployment(model: ClusterModel, ns: string): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(NAME, { namespace: ns, labels: LABELS }),
    spec: {
      replicas: 1,
      selector: { matchLabels: LABELS },
      template: {
        metadata: { labels: LABELS },
        spec: {
          serviceAccountName: SA,
          containers: [
            {
              name: NAME,
              image: model.addons.localPathProvisioner.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['local-path-provisioner', 'start', '--config', '/etc/config/config.json'],
              env: [
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                // Re-reads the ConfigMap from here when it changes, without a restart.
                { name: 'CONFIG_MOUNT_PATH', value: '/etc/config/' },
              ],
              volumeMounts: [{ name: 'config-volume', mountPath: '/etc/config/' }],
            },
          ],
          volumes: [{ name: 'config-volume', configMap: { name: CONFIG } }],
        },
      },
    },
  };
}

export function localPathProvisionerManifests(model: ClusterModel): K8sObject[] {
  const lpp = model.addons.localPathProvisioner;
  const ns = lpp.namespace;
  const rbac = 'rbac.authorization.k8s.io';
  return [
    ...(ns === KUBE_SYSTEM ? [] : [{ apiVersion: 'v1', kind: 'Namespace', metadata: metadata(ns) }]),
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(SA, { namespace: ns }) },
    // Helper pods live in the provisioner's own namespace: full control there only.
    {
      apiVersion: `${rbac}/v1`,
      kind: 'Role',
      metadata: metadata(ROLE, { namespace: ns }),
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'] }],
    },
    clusterRole(ROLE, [
      { apiGroups: [''], resources: ['nodes', 'persistentvolumeclaims', 'configmaps', 'pods', 'pods/log'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['persistentvolumes'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
      { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list', 'watch'] },
    ]),
    {
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: metadata('local-path-provisioner-bind', { namespace: ns }),
      roleRef: { apiGroup: rbac, kind: 'Role', name: ROLE },
      subjects: subject(ns),
    },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: metadata('local-path-provisioner-bind'),
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: ROLE },
      subjects: subject(ns),
    },
    configMap(model, ns),
    deployment(model, ns),
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: metadata(lpp.storageClass, lpp.defaultClass ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}),
      provisioner: PROVISIONER,
      // The volume lives on one node: bind only once the pod's node is known.
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: lpp.reclaimPolicy,
    },
  ];
}
