// haproxy.cfg for the localhost API server proxy with controlPlane.localhostProxy: haproxy
// (Kubespray's loadbalancer/haproxy.cfg.j2, loadbalancer_apiserver_type: haproxy): TCP on
// 127.0.0.1:<port> in front of every control plane, each checked with GET /healthz over TLS, and
// an HTTP monitor on :8081/healthz for the pod's probes. Built from sections, one renderer.
import type { ClusterModel } from '../../model/model.js';
import { controlPlaneNodes, hasIPv6 } from '../../model/model.js';
import { hostPort } from '../../model/address.js';
import { NGINX_HEALTH_PORT } from './nginxConf.js';

/** The same health port as nginx (Kubespray's loadbalancer_apiserver_healthcheck_port). */
export const HAPROXY_HEALTH_PORT = NGINX_HEALTH_PORT;

type Section = [header: string, lines: string[]];

export function renderHaproxy(sections: Section[]): string {
  return sections.map(([header, lines]) => [header, ...lines.map((l) => `    ${l}`)].join('\n')).join('\n\n') + '\n';
}

export function haproxyConf(model: ClusterModel): string {
  const port = model.controlPlane.bindPort;
  const v6 = hasIPv6(model);
  const servers = controlPlaneNodes(model).map((n) => {
    if (!n.address) throw new Error(`apiserverProxy: control plane ${n.name} has no address (rules should have refused this spec)`);
    // The apiservers' certificates are not checked here: this is a TCP pass-through, and
    // kubelet and kube-proxy verify the apiserver themselves through it.
    return `server ${n.name} ${hostPort(n.address, port)} check check-ssl verify none`;
  });
  return renderHaproxy([
    // The container has no syslog: log to stdout, which becomes the pod log.
    ['global', ['maxconn 4000', 'log stdout format raw local0']],
    [
      'defaults',
      [
        'mode http',
        'log global',
        'option httplog',
        'option dontlognull',
        'option http-server-close',
        'option redispatch',
        'retries 5',
        'timeout http-request 5m',
        'timeout queue 5m',
        'timeout connect 30s',
        'timeout client 15m',
        'timeout server 15m',
        'timeout http-keep-alive 30s',
        'timeout check 30s',
        'maxconn 4000',
      ],
    ],
    // The kubelet probes the node's primary address, of whichever family.
    ['frontend healthz', [`bind *:${HAPROXY_HEALTH_PORT}`, ...(v6 ? [`bind [::]:${HAPROXY_HEALTH_PORT} v6only`] : []), 'mode http', 'monitor-uri /healthz']],
    // Loopback only: the proxy is for this node's kubelet and kube-proxy, nothing else (IPv6
    // loopback too where the cluster has IPv6).
    ['frontend kube_api_frontend', [`bind 127.0.0.1:${port}`, ...(v6 ? [`bind [::1]:${port}`] : []), 'mode tcp', 'option tcplog', 'default_backend kube_api_backend']],
    [
      'backend kube_api_backend',
      [
        'mode tcp',
        // Watches are long-lived: balance by open connections, not round robin.
        'balance leastconn',
        'default-server inter 15s downinter 15s rise 2 fall 2 slowstart 60s maxconn 1000 maxqueue 256 weight 100',
        'option httpchk GET /healthz',
        'http-check expect status 200',
        ...servers,
      ],
    ],
  ]);
}
