// nodelocaldns: a DNS cache on every node (k8s-dns-node-cache), listening on a link-local address
// that kubelets hand to pods as their resolver (Kubespray's default, 169.254.25.10). Corefile as
// Kubespray's nodelocaldns-config.yml.j2; the cluster zones go to CoreDNS through the
// kube-dns-upstream Service, as upstream Kubernetes' nodelocaldns.yaml.
import type { ClusterModel } from '../../model/model.js';
import { hostPort } from '../../model/address.js';
import { KUBE_SYSTEM, hostPathVolume, metadata, serviceAccount, type K8sObject } from './k8s.js';

const NAME = 'nodelocaldns';
const LABELS = { 'k8s-app': NAME };
const METRICS_PORT = 9253;
/** Kubespray's nodelocaldns_health_port: clear of 8080, which hostNetwork workloads often want. */
const HEALTH_PORT = 9254;
/**
 * node-cache replaces this with the ClusterIP of the Service named by -upstreamsvc (from the
 * KUBE_DNS_UPSTREAM_SERVICE_HOST variable kubelet injects). Going through kube-dns-upstream rather
 * than a fixed address keeps this correct whatever ClusterIP kubeadm gave CoreDNS's kube-dns Service.
 */
const CLUSTER_DNS = '__PILLAR__CLUSTER__DNS__';
const UPSTREAM_SERVICE = 'kube-dns-upstream';

/** One server block; cluster zones force TCP to CoreDNS (avoids conntrack races on UDP). */
function zone(name: string, localIP: string, opts: { forward: string; forceTcp: boolean; clusterCache?: boolean; health?: boolean; cacheSeconds?: number }): string[] {
  const seconds = opts.cacheSeconds ?? 30;
  const cache = opts.clusterCache ? ['    cache {', '        success 9984 30', '        denial 9984 5', '    }'] : seconds > 0 ? [`    cache ${seconds}`] : [];
  const forward = opts.forceTcp
    ? [`    forward . ${opts.forward} {`, '        force_tcp', '    }']
    : [`    forward . ${opts.forward}`];
  return [
    `${name}:53 {`,
    '    errors',
    ...cache,
    '    reload',
    '    loop',
    `    bind ${localIP}`,
    ...forward,
    `    prometheus :${METRICS_PORT}`,
    ...(opts.health ? [`    health ${hostPort(localIP, HEALTH_PORT)}`] : []),
    '}',
  ];
}

export function corefile(model: ClusterModel): string {
  const ip = model.addons.nodeLocalDNSAddress;
  const cluster = { forward: CLUSTER_DNS, forceTcp: true };
  return [
    ...zone(model.kubernetes.clusterDomain, ip, { ...cluster, clusterCache: true, health: true }),
    ...zone('in-addr.arpa', ip, cluster),
    ...zone('ip6.arpa', ip, cluster),
    // Stub domains and upstream servers as CoreDNS has them (spec.addons.coredns), so a pod gets
    // the same answers whichever of the two resolves its query.
    ...model.addons.coredns.zones.flatMap((z) => zone(z.name, ip, { forward: z.servers.join(' '), forceTcp: false, cacheSeconds: z.cache })),
    // Everything else goes to the upstream servers, by default the node's own resolvers
    // (dnsPolicy: Default gives the pod the node's resolv.conf).
    ...zone('.', ip, { forward: model.addons.coredns.upstream.join(' '), forceTcp: false }),
  ].join('\n') + '\n';
}

function upstreamService(): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(UPSTREAM_SERVICE, { namespace: KUBE_SYSTEM, labels: { 'k8s-app': 'kube-dns' } }),
    spec: {
      // Same pods as kubeadm's kube-dns Service (CoreDNS), on a second ClusterIP of its own.
      selector: { 'k8s-app': 'kube-dns' },
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      ],
    },
  };
}

function daemonSet(model: ClusterModel): K8sObject {
  const ip = model.addons.nodeLocalDNSAddress;
  const health = { httpGet: { host: ip, path: '/health', port: HEALTH_PORT, scheme: 'HTTP' }, timeoutSeconds: 5, failureThreshold: 10 };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: metadata(NAME, { namespace: KUBE_SYSTEM, labels: LABELS }),
    spec: {
      selector: { matchLabels: LABELS },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '20%' } },
      template: {
        metadata: { labels: LABELS, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(METRICS_PORT) } },
        spec: {
          // Pods on this node cannot resolve anything without it.
          priorityClassName: 'system-node-critical',
          serviceAccountName: NAME,
          hostNetwork: true,
          // Resolve with the node's resolv.conf, never through itself.
          dnsPolicy: 'Default',
          tolerations: [
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { effect: 'NoExecute', operator: 'Exists' },
            { effect: 'NoSchedule', operator: 'Exists' },
          ],
          containers: [
            {
              name: 'node-cache',
              image: model.images.nodelocaldns,
              imagePullPolicy: 'IfNotPresent',
              resources: { limits: { memory: '200Mi' }, requests: { cpu: '100m', memory: '70Mi' } },
              args: ['-localip', ip, '-conf', '/etc/Corefile', '-upstreamsvc', UPSTREAM_SERVICE, '-health-port', String(HEALTH_PORT)],
              // Adds the nodelocaldns dummy interface and its NOTRACK iptables rules.
              securityContext: { capabilities: { add: ['NET_ADMIN'] } },
              ports: [
                { containerPort: 53, name: 'dns', protocol: 'UDP' },
                { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
                { containerPort: METRICS_PORT, name: 'metrics', protocol: 'TCP' },
              ],
              livenessProbe: health,
              readinessProbe: health,
              volumeMounts: [
                { name: 'config-volume', mountPath: '/etc/coredns' },
                { name: 'xtables-lock', mountPath: '/run/xtables.lock' },
              ],
            },
          ],
          volumes: [
            // node-cache reads Corefile.base, fills in the pillars and writes /etc/Corefile.
            { name: 'config-volume', configMap: { name: NAME, items: [{ key: 'Corefile', path: 'Corefile.base' }] } },
            hostPathVolume('xtables-lock', '/run/xtables.lock', 'FileOrCreate'),
          ],
          // As Kubespray: a rolling update replaces the cache at once instead of waiting 30 s.
          terminationGracePeriodSeconds: 0,
        },
      },
    },
  };
}

export function nodeLocalDnsManifests(model: ClusterModel): K8sObject[] {
  return [
    serviceAccount(NAME),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(NAME, { namespace: KUBE_SYSTEM }), data: { Corefile: corefile(model) } },
    // Before the DaemonSet: its pods get the Service's address only if it exists when they start.
    upstreamService(),
    daemonSet(model),
  ];
}
