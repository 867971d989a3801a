// plan/ stage: model + issued PKI → one NodePlan per fixed node and per pool.
import type { ClusterModel, NodeModel } from '../model/model.js';
import type { IssuedPki } from '../secrets/types.js';
import { BUILDERS } from './builders/index.js';
import { newPlan, type NodePlan } from './nodePlan.js';

export function planNode(model: ClusterModel, node: NodeModel, pki: IssuedPki): NodePlan {
  const plan = newPlan(node);
  for (const builder of BUILDERS) builder.build({ model, node, pki, plan });
  return plan;
}

export function planCluster(model: ClusterModel, pki: IssuedPki): NodePlan[] {
  return model.nodes.map((n) => planNode(model, n, pki));
}
