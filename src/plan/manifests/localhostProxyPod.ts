// The localhost API proxy as a static Pod (Kubespray's nginx-proxy / haproxy manifests): the
// kubelet starts it from /etc/kubernetes/manifests before it can reach any API server, which is
// the point. nginx and haproxy differ only in the values below.
import { createHash } from 'node:crypto';
import { KUBE_SYSTEM, hostPathVolume, metadata, type K8sObject } from './k8s.js';

export interface LocalhostProxy {
  name: string; // pod and container name
  app: string; // k8s-app label
  image: string;
  /** Host directory holding the config, mounted read-only. */
  confDir: string;
  /** Where the image reads its config. */
  mountPath: string;
  volumeName: string;
  healthPort: number;
  /** Annotation carrying the config's sha256. */
  checksumAnnotation: string;
}

export function localhostProxyPod(proxy: LocalhostProxy, conf: string): K8sObject {
  const probe = { httpGet: { path: '/healthz', port: proxy.healthPort } };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: metadata(proxy.name, {
      namespace: KUBE_SYSTEM,
      labels: { 'addonmanager.kubernetes.io/mode': 'Reconcile', 'k8s-app': proxy.app },
      // A new config changes the manifest, so the kubelet restarts the pod with it (as Kubespray).
      annotations: { [proxy.checksumAnnotation]: createHash('sha256').update(conf).digest('hex') },
    }),
    spec: {
      hostNetwork: true,
      dnsPolicy: 'ClusterFirstWithHostNet',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      // Without it the node loses the API server: never evict it first.
      priorityClassName: 'system-node-critical',
      containers: [
        {
          name: proxy.name,
          image: proxy.image,
          imagePullPolicy: 'IfNotPresent',
          resources: { requests: { cpu: '25m', memory: '32M' } },
          livenessProbe: probe,
          readinessProbe: probe,
          volumeMounts: [{ mountPath: proxy.mountPath, name: proxy.volumeName, readOnly: true }],
        },
      ],
      volumes: [hostPathVolume(proxy.volumeName, proxy.confDir)],
    },
  };
}
