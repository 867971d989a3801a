// calico-kube-controllers: garbage-collects IPAM and Calico nodes of deleted Kubernetes nodes and
// allocates LoadBalancer IPs (upstream manifests/calico.yaml v3.31), plus its disruption budget.
import type { ClusterModel } from '../../model/model.js';
import { KUBE_SYSTEM, metadata, type K8sObject } from './k8s.js';

const LABELS = { 'k8s-app': 'calico-kube-controllers' };

export function calicoKubeControllers(model: ClusterModel): K8sObject[] {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata('calico-kube-controllers', { namespace: KUBE_SYSTEM, labels: LABELS }),
    spec: {
      // The controllers must not run twice at once: one replica, replaced with Recreate.
      replicas: 1,
      selector: { matchLabels: LABELS },
      strategy: { type: 'Recreate' },
      template: {
        metadata: { name: 'calico-kube-controllers', namespace: KUBE_SYSTEM, labels: LABELS },
        spec: {
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          // Runs before any worker joins: the first control plane may be the only node.
          tolerations: [
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
          ],
          serviceAccountName: 'calico-kube-controllers',
          securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
          priorityClassName: 'system-cluster-critical',
          containers: [
            {
              name: 'calico-kube-controllers',
              image: model.images.calicoKubeControllers,
              imagePullPolicy: 'IfNotPresent',
              env: [
                { name: 'ENABLED_CONTROLLERS', value: 'node,loadbalancer' },
                { name: 'DATASTORE_TYPE', value: 'kubernetes' },
              ],
              livenessProbe: {
                exec: { command: ['/usr/bin/check-status', '-l'] },
                periodSeconds: 10,
                initialDelaySeconds: 10,
                failureThreshold: 6,
                timeoutSeconds: 10,
              },
              readinessProbe: { exec: { command: ['/usr/bin/check-status', '-r'] }, periodSeconds: 10 },
              securityContext: { runAsNonRoot: true },
            },
          ],
        },
      },
    },
  };
  // Lets the cluster autoscaler and drains evict the single replica.
  const pdb = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata('calico-kube-controllers', { namespace: KUBE_SYSTEM, labels: LABELS }),
    spec: { maxUnavailable: 1, selector: { matchLabels: LABELS } },
  };
  return [deployment, pdb];
}
