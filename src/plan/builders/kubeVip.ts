// loadBalancer: kube-vip: the kube-vip static pod on every control plane (manifests/kubeVip.ts).
// It is in /etc/kubernetes/manifests before kubeadm runs, so the VIP exists as soon as the first
// apiserver does (kubeadm.ts lets init/join accept the non-empty manifests directory).
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';
import { toYaml } from '../../text/yaml.js';
import { ADMIN_CONF, KUBE_VIP_MANIFEST, SUPER_ADMIN_CONF, kubeVipPod } from '../manifests/kubeVip.js';

export const kubeVipBuilder: Builder = {
  name: 'kubeVip',
  build({ model, node, plan }) {
    if (model.controlPlane.loadBalancer !== 'kube-vip' || !node.isControlPlane) return;
    const kubeconfig = node.isFirstControlPlane ? SUPER_ADMIN_CONF : ADMIN_CONF;
    addFile(plan, {
      path: KUBE_VIP_MANIFEST,
      content: toYaml(kubeVipPod(model, kubeconfig)),
      mode: 0o644,
      builder: 'kubeVip',
      origin: ['spec', 'controlPlane', 'loadBalancer'],
    });
  },
};
