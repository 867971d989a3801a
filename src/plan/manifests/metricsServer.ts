// metrics-server (upstream components.yaml of the version in model.versions.metricsServer):
// the resource metrics API behind `kubectl top` and the HorizontalPodAutoscaler.
import type { ClusterModel } from '../../model/model.js';
import { KUBE_SYSTEM, clusterRole, clusterRoleBinding, metadata, serviceAccount, type K8sObject } from './k8s.js';

const NAME = 'metrics-server';
const LABELS = { 'k8s-app': NAME };

function rbac(): K8sObject[] {
  return [
    serviceAccount(NAME),
    // Aggregated into view/edit/admin so every namespace user can run `kubectl top`.
    clusterRole('system:aggregated-metrics-reader', [{ apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] }], {
      'k8s-app': NAME,
      'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
      'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
      'rbac.authorization.k8s.io/aggregate-to-view': 'true',
    }),
    clusterRole(
      'system:metrics-server',
      [
        { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
      ],
      LABELS,
    ),
    // Reads the front-proxy (request-header) CA from the extension-apiserver-authentication ConfigMap.
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: metadata('metrics-server-auth-reader', { namespace: KUBE_SYSTEM, labels: LABELS }),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'extension-apiserver-authentication-reader' },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: KUBE_SYSTEM }],
    },
    clusterRoleBinding('metrics-server:system:auth-delegator', 'system:auth-delegator', NAME),
    clusterRoleBinding('system:metrics-server', 'system:metrics-server', NAME),
  ];
}

function deployment(model: ClusterModel): K8sObject {
  const probe = (path: string) => ({ httpGet: { path, port: 'https', scheme: 'HTTPS' }, periodSeconds: 10, failureThreshold: 3 });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(NAME, { namespace: KUBE_SYSTEM, labels: LABELS }),
    spec: {
      selector: { matchLabels: LABELS },
      // Never drop below one ready replica: the metrics API would go away with it.
      strategy: { rollingUpdate: { maxUnavailable: 0 } },
      template: {
        metadata: { labels: LABELS },
        spec: {
          containers: [
            {
              name: NAME,
              image: model.images.metricsServer,
              imagePullPolicy: 'IfNotPresent',
              args: [
                '--cert-dir=/tmp',
                '--secure-port=10250',
                // Node names need not resolve in cluster DNS; the InternalIP always routes.
                '--kubelet-preferred-address-types=InternalIP',
                '--kubelet-use-node-status-port',
                '--metric-resolution=15s',
                // Kubespray's default (metrics_server_kubelet_insecure_tls: true): kubelets serve
                // self-signed certificates unless serverTLSBootstrap is on and their CSRs approved,
                // which kspray does not automate yet. Drop this flag once kubelet certs are CA-signed.
                '--kubelet-insecure-tls',
              ],
              ports: [{ containerPort: 10250, name: 'https', protocol: 'TCP' }],
              livenessProbe: probe('/livez'),
              readinessProbe: { ...probe('/readyz'), initialDelaySeconds: 20 },
              resources: { requests: { cpu: '100m', memory: '200Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                runAsUser: 1000,
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: [{ mountPath: '/tmp', name: 'tmp-dir' }],
            },
          ],
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          priorityClassName: 'system-cluster-critical',
          serviceAccountName: NAME,
          // Writable scratch space for the self-signed serving certificate (read-only root).
          volumes: [{ name: 'tmp-dir', emptyDir: {} }],
        },
      },
    },
  };
}

export function metricsServerManifests(model: ClusterModel): K8sObject[] {
  return [
    ...rbac(),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(NAME, { namespace: KUBE_SYSTEM, labels: LABELS }),
      spec: { ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 'https' }], selector: LABELS },
    },
    deployment(model),
    {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: metadata('v1beta1.metrics.k8s.io', { labels: LABELS }),
      spec: {
        group: 'metrics.k8s.io',
        groupPriorityMinimum: 100,
        // metrics-server's serving certificate is self-signed (upstream does the same).
        insecureSkipTLSVerify: true,
        service: { name: NAME, namespace: KUBE_SYSTEM },
        version: 'v1beta1',
        versionPriority: 100,
      },
    },
  ];
}
