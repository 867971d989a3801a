// The cilium-operator Deployment (generic build: cluster-pool IPAM, CRD registration, garbage
// collection), hostNetwork so it runs before any pod network exists.
import type { ClusterModel } from '../../model/model.js';
import { networkImages } from '../../catalog/network.js';
import { ciliumProbeHost } from './ciliumConfig.js';
import { apiServerEnv, kubeletNodeCount } from './cniApiServer.js';
import { KUBE_SYSTEM, envFromField, metadata, type K8sObject } from './k8s.js';

const LABELS = { 'io.cilium/app': 'operator', name: 'cilium-operator' };

export function ciliumOperatorDeployment(model: ClusterModel): K8sObject {
  const probe = { httpGet: { host: ciliumProbeHost(model), path: '/healthz', port: 9234, scheme: 'HTTP' } };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata('cilium-operator', { namespace: KUBE_SYSTEM, labels: { ...LABELS, 'app.kubernetes.io/part-of': 'cilium' } }),
    spec: {
      // The chart's two replicas, on different nodes (anti-affinity): one when there is one node.
      replicas: Math.min(2, kubeletNodeCount(model)),
      selector: { matchLabels: LABELS },
      // maxUnavailable 100%: with hostNetwork ports and anti-affinity a surge pod could never schedule.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '100%' } },
      template: {
        metadata: { labels: LABELS },
        spec: {
          containers: [
            {
              name: 'cilium-operator',
              image: networkImages(model.artifacts.registry).ciliumOperator,
              imagePullPolicy: 'IfNotPresent',
              command: ['cilium-operator-generic'],
              args: ['--config-dir=/tmp/cilium/config-map', '--debug=$(CILIUM_DEBUG)'],
              env: [
                envFromField('K8S_NODE_NAME', 'spec.nodeName'),
                envFromField('CILIUM_K8S_NAMESPACE', 'metadata.namespace'),
                { name: 'CILIUM_DEBUG', valueFrom: { configMapKeyRef: { name: 'cilium-config', key: 'debug', optional: true } } },
                ...apiServerEnv(model),
              ],
              livenessProbe: { ...probe, initialDelaySeconds: 60, periodSeconds: 10, timeoutSeconds: 3 },
              readinessProbe: { ...probe, initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 5 },
              volumeMounts: [{ name: 'cilium-config-path', mountPath: '/tmp/cilium/config-map', readOnly: true }],
              terminationMessagePolicy: 'FallbackToLogsOnError',
            },
          ],
          hostNetwork: true,
          restartPolicy: 'Always',
          priorityClassName: 'system-cluster-critical',
          serviceAccountName: 'cilium-operator',
          automountServiceAccountToken: true,
          affinity: {
            podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { 'io.cilium/app': 'operator' } }, topologyKey: 'kubernetes.io/hostname' }] },
          },
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [{ operator: 'Exists' }],
          volumes: [{ name: 'cilium-config-path', configMap: { name: 'cilium-config' } }],
        },
      },
    },
  };
}
