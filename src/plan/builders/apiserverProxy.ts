// The localhost API server proxy (spec.controlPlane.loadBalancer: localhost, Kubespray's default):
// on every kubelet node without a control plane, nginx (or haproxy, controlPlane.localhostProxy) on
// 127.0.0.1:<port> in front of all control planes, so there is no shared load balancer to build or lose.
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';
import { NGINX_CONF_DIR, nginxProxyPod } from '../manifests/nginxProxy.js';
import { nginxConf } from '../manifests/nginxConf.js';
import { haproxyConf } from '../manifests/haproxyConf.js';
import { HAPROXY_CONF_DIR, haproxyPod } from '../manifests/haproxyProxy.js';
import { toYaml } from '../../text/yaml.js';

export const apiserverProxyBuilder: Builder = {
  name: 'apiserverProxy',
  build({ model, node, plan }) {
    // Control planes reach their own API server; etcd-only nodes run no kubelet (as Kubespray's etcd group).
    if (model.controlPlane.loadBalancer !== 'localhost' || node.isControlPlane || !node.roles.includes('worker')) return;
    const origin = ['spec', 'controlPlane', 'loadBalancer'];
    if (model.controlPlane.localhostProxy === 'haproxy') {
      const cfg = haproxyConf(model);
      const b = { mode: 0o644, builder: 'apiserverProxy', origin: ['spec', 'controlPlane', 'localhostProxy'] };
      addFile(plan, { ...b, path: `${HAPROXY_CONF_DIR}/haproxy.cfg`, content: cfg });
      addFile(plan, { ...b, path: '/etc/kubernetes/manifests/haproxy.yaml', content: toYaml(haproxyPod(model, cfg)) });
      return;
    }
    const conf = nginxConf(model);
    addFile(plan, { path: `${NGINX_CONF_DIR}/nginx.conf`, content: conf, mode: 0o644, builder: 'apiserverProxy', origin });
    addFile(plan, {
      path: '/etc/kubernetes/manifests/nginx-proxy.yaml',
      content: toYaml(nginxProxyPod(model, conf)),
      mode: 0o644,
      builder: 'apiserverProxy',
      origin,
    });
  },
};
