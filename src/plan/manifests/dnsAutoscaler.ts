// dns-autoscaler: cluster-proportional-autoscaler sizing kubeadm's coredns Deployment to the
// cluster (linear mode: max(ceil(cores/coresPerReplica), ceil(nodes/nodesPerReplica)), bounded by
// min/max). As Kubespray's dns-autoscaler*.yml.j2. The autoscaler creates its ConfigMap from
// --default-params when absent; editing that ConfigMap retunes it without a redeploy.
import type { ClusterModel } from '../../model/model.js';
import { KUBE_SYSTEM, clusterRole, clusterRoleBinding, metadata, serviceAccount, type K8sObject } from './k8s.js';

const NAME = 'dns-autoscaler';
const LABELS = { 'k8s-app': NAME };
/** kubeadm's CoreDNS Deployment. */
const TARGET = 'Deployment/coredns';

/** The linear controller's parameters, as the JSON cluster-proportional-autoscaler reads. */
export function linearParams(model: ClusterModel): string {
  const a = model.addons.dnsAutoscaler;
  return JSON.stringify({
    linear: {
      coresPerReplica: a.coresPerReplica,
      nodesPerReplica: a.nodesPerReplica,
      min: a.min,
      ...(a.max > 0 ? { max: a.max } : {}),
      preventSinglePointFailure: a.preventSinglePointFailure,
    },
  });
}

function deployment(model: ClusterModel): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(NAME, { namespace: KUBE_SYSTEM, labels: LABELS }),
    spec: {
      selector: { matchLabels: LABELS },
      template: {
        metadata: { labels: LABELS },
        spec: {
          priorityClassName: 'system-cluster-critical',
          serviceAccountName: NAME,
          securityContext: { seccompProfile: { type: 'RuntimeDefault' }, supplementalGroups: [65534], fsGroup: 65534 },
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          // Scheduled before any worker joins: the first control plane is the only node then.
          tolerations: [
            { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
          ],
          containers: [
            {
              name: 'autoscaler',
              image: model.addons.dnsAutoscaler.image,
              imagePullPolicy: 'IfNotPresent',
              resources: { requests: { cpu: '20m', memory: '10Mi' } },
              command: [
                '/cluster-proportional-autoscaler',
                `--namespace=${KUBE_SYSTEM}`,
                `--configmap=${NAME}`,
                `--target=${TARGET}`,
                `--default-params=${linearParams(model)}`,
                '--logtostderr=true',
                '--v=2',
              ],
            },
          ],
        },
      },
    },
  };
}

export function dnsAutoscalerManifests(model: ClusterModel): K8sObject[] {
  return [
    serviceAccount(NAME),
    clusterRole(`system:${NAME}`, [
      { apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] },
      { apiGroups: [''], resources: ['replicationcontrollers/scale'], verbs: ['get', 'update'] },
      { apiGroups: ['apps'], resources: ['deployments/scale', 'replicasets/scale'], verbs: ['get', 'update'] },
      // Its parameters ConfigMap: read, and created from --default-params the first time.
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create'] },
    ]),
    clusterRoleBinding(`system:${NAME}`, `system:${NAME}`, NAME),
    deployment(model),
  ];
}
