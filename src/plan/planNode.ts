// plan/ stage: model + issued PKI → one NodePlan per fixed node and per pool.
import { runsKubernetes, type ClusterModel, type NodeModel } from '../model/model.js';
import type { IssuedPki } from '../secrets/types.js';
import { BUILDERS } from './builders/index.js';
import { newPlan, type NodePlan } from './nodePlan.js';

/** What a node without a kubelet (an external etcd member) does not get. */
const KUBERNETES_BUILDERS = new Set(['containerd', 'kubelet', 'kubeadm', 'apiserverProxy', 'kubeVip', 'calico', 'addons', 'apiServerConfig', 'patches']);

export function planNode(model: ClusterModel, node: NodeModel, pki: IssuedPki): NodePlan {
  const plan = newPlan(node);
  for (const builder of BUILDERS) {
    if (!runsKubernetes(node) && KUBERNETES_BUILDERS.has(builder.name)) continue;
    builder.build({ model, node, pki, plan });
  }
  return plan;
}

export function planCluster(model: ClusterModel, pki: IssuedPki): NodePlan[] {
  return model.nodes.map((n) => planNode(model, n, pki));
}
