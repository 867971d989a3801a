// `kspray upgrade --plan --output json` (schema/upgrade-plan.schema.json): the plan formatUpgradePlan
// prints, and the spec change to make afterwards, located in the user's file.
import { z } from 'zod';
import type { UpgradePlan } from './upgrade.js';
import { reportHeader, reportJsonSchema } from '../text/jsonReport.js';

const versionChange = z.object({ from: z.string(), to: z.string() });

export const upgradePlanReportSchema = z.object({
  ...reportHeader('UpgradePlan'),
  cluster: z.string(),
  from: z.string().describe('The running version (the spec\'s kubernetes.version).'),
  to: z.string(),
  versionStep: z.enum(['patch', 'minor']),
  componentChanges: z.array(versionChange.extend({ component: z.string() })).describe('Catalog components whose version follows Kubernetes\'.'),
  crioChange: versionChange.extend({ pause: z.string().optional() }).optional().describe('cri-o clusters: the runtime every upgraded node installs.'),
  workerBatchSize: z.number().int().positive().describe('Workers upgraded at a time (20%, rounded up).'),
  steps: z.array(
    z.object({
      phase: z.enum(['preflight', 'etcd', 'control-plane', 'workers', 'pool', 'finish']),
      title: z.string(),
      nodes: z.array(z.string()),
      actions: z.array(z.object({ runner: z.enum(['operator', 'node']).describe('operator: kubectl with admin.conf; node: the node program\'s upgrade phase on the node.'), command: z.string() })),
    }),
  ).describe('In order: each step starts when the one before it is done.'),
  specChange: z
    .object({
      file: z.string(),
      path: z.literal('spec.kubernetes.version'),
      line: z.number().int().positive().optional().describe('Where the spec sets it; absent when it has none (kspray\'s default applies).'),
      col: z.number().int().positive().optional(),
      to: z.string(),
    })
    .describe('The edit to make after the upgrade, then kspray render.'),
});
export type UpgradePlanReport = z.infer<typeof upgradePlanReportSchema>;

export function upgradePlanReport(cluster: string, plan: UpgradePlan, specChange: UpgradePlanReport['specChange']): UpgradePlanReport {
  return {
    apiVersion: 'kspray.dev/v1alpha1',
    kind: 'UpgradePlan',
    cluster,
    from: plan.from,
    to: plan.to,
    versionStep: plan.kind,
    componentChanges: plan.componentChanges.map((c) => ({ component: c.component, from: c.from, to: c.to })),
    ...(plan.crioChange ? { crioChange: { ...plan.crioChange } } : {}),
    workerBatchSize: plan.workerBatchSize,
    steps: plan.steps.map((s) => ({ phase: s.phase, title: s.title, nodes: [...s.nodes], actions: s.actions.map((a) => ({ runner: a.runner, command: a.command })) })),
    specChange,
  };
}

export const upgradePlanJsonSchema = () => reportJsonSchema(upgradePlanReportSchema, 'upgrade-plan', 'kspray upgrade --plan --output json (v1alpha1)');
