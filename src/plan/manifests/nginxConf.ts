// /etc/nginx/nginx.conf for the localhost API server proxy on nodes without a control plane
// (Kubespray's loadbalancer/nginx.conf.j2): kubelet and kube-proxy talk to 127.0.0.1:<port>,
// nginx spreads the connections over every control plane. nginx.conf is not YAML; it is built
// from a directive tree so quoting and nesting come from one renderer, not from string pasting.
import type { ClusterModel } from '../../model/model.js';
import { controlPlaneNodes, hasIPv6 } from '../../model/model.js';
import { hostPort } from '../../model/address.js';

/** A directive (`name args;`) or a block (`name args { ... }`). */
export type NginxNode = { d: string; args?: Array<string | number> } | { block: string; args?: Array<string | number>; body: NginxNode[] };

/** Port of the http server answering /healthz for the pod's probes (Kubespray's healthcheck port). */
export const NGINX_HEALTH_PORT = 8081;

/** nginx's own defaults, spelled out: a server that refused one connection is skipped for 10 s. */
const MAX_FAILS = 1;
const FAIL_TIMEOUT = '10s';

function render(nodes: NginxNode[], indent = ''): string[] {
  const lines: string[] = [];
  for (const n of nodes) {
    const head = [('d' in n ? n.d : n.block), ...(n.args ?? []).map(String)].join(' ');
    if ('d' in n) {
      lines.push(`${indent}${head};`);
      continue;
    }
    // A blank line before each block that follows something, for the reader of the node's file.
    if (lines.length > 0) lines.push('');
    lines.push(`${indent}${head} {`, ...render(n.body, `${indent}  `), `${indent}}`);
  }
  return lines;
}

export function renderNginx(nodes: NginxNode[]): string {
  return render(nodes).join('\n') + '\n';
}

const d = (name: string, ...args: Array<string | number>): NginxNode => ({ d: name, args });
const block = (name: string, args: Array<string | number>, body: NginxNode[]): NginxNode => ({ block: name, args, body });

/** host:port of every control plane (rules guarantee each has a fixed address). */
export function apiServerUpstreams(model: ClusterModel): string[] {
  return controlPlaneNodes(model).map((n) => {
    if (!n.address) throw new Error(`apiserverProxy: control plane ${n.name} has no address (rules should have refused this spec)`);
    return hostPort(n.address, model.controlPlane.bindPort);
  });
}

export function nginxConf(model: ClusterModel): string {
  const port = model.controlPlane.bindPort;
  return renderNginx([
    // The container's log goes to the kubelet's pod log.
    d('error_log', 'stderr', 'notice'),
    d('worker_processes', 2),
    d('worker_rlimit_nofile', 130048),
    d('worker_shutdown_timeout', '10s'),
    block('events', [], [d('multi_accept', 'on'), d('use', 'epoll'), d('worker_connections', 16384)]),
    block('stream', [], [
      block('upstream', ['kube_apiserver'], [
        // Watches are long-lived: balance by open connections, not round robin.
        d('least_conn'),
        ...apiServerUpstreams(model).map((s) => d('server', s, `max_fails=${MAX_FAILS}`, `fail_timeout=${FAIL_TIMEOUT}`)),
      ]),
      block('server', [], [
        // Loopback only: the proxy is for this node's kubelet and kube-proxy, nothing else; IPv6
        // loopback too where the cluster has IPv6 (Kubespray's nginx.conf does the same).
        d('listen', `127.0.0.1:${port}`),
        ...(hasIPv6(model) ? [d('listen', `[::1]:${port}`)] : []),
        d('proxy_pass', 'kube_apiserver'),
        d('proxy_timeout', '10m'),
        // Fail over quickly when a control plane is down.
        d('proxy_connect_timeout', '1s'),
      ]),
    ]),
    block('http', [], [
      d('aio', 'threads'),
      d('aio_write', 'on'),
      d('tcp_nopush', 'on'),
      d('tcp_nodelay', 'on'),
      d('keepalive_timeout', '5m'),
      d('keepalive_requests', 100),
      d('reset_timedout_connection', 'on'),
      d('server_tokens', 'off'),
      d('autoindex', 'off'),
      block('server', [], [
        // The kubelet probes the node's primary address, of whichever family.
        d('listen', NGINX_HEALTH_PORT),
        ...(hasIPv6(model) ? [d('listen', `[::]:${NGINX_HEALTH_PORT}`, 'ipv6only=on')] : []),
        block('location', ['/healthz'], [d('access_log', 'off'), d('return', 200)]),
        block('location', ['/stub_status'], [d('stub_status', 'on'), d('access_log', 'off')]),
      ]),
    ]),
  ]);
}
