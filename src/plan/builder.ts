// One builder per concern (kops nodeup style): each reads the model and adds files to a NodePlan.
import type { ClusterModel, NodeModel } from '../model/model.js';
import type { IssuedPki } from '../secrets/types.js';
import type { NodePlan } from './nodePlan.js';

export interface BuildContext {
  model: ClusterModel;
  node: NodeModel;
  pki: IssuedPki;
  plan: NodePlan;
}

export interface Builder {
  /** Shown in conflicts and provenance, e.g. "containerd". */
  name: string;
  build(ctx: BuildContext): void;
}
