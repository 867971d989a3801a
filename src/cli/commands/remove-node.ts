// `kspray remove-node NAME -f cluster.yaml`: Kubespray's remove-node.yml through the Kubernetes API
// (kubectl), never SSH. The plan is pure (lifecycle/removeNode.ts); this runs it step by step and
// stops at the first failure.
import { readEnv } from '../../env.js';
import type { Command } from 'commander';
import { join } from 'node:path';
import { compileSpec } from '../../compileSpec.js';
import { KsprayError } from '../../errors/errors.js';
import { messages } from '../../errors/messages.js';
import { readTextFile, readTree } from '../../io/files.js';
import { realKubectl, sleep, type Kubectl } from '../../lifecycle/kubectl.js';
import { parseMemberList, planMemberRemoval } from '../../lifecycle/etcdMembers.js';
import { diffOutputs, formatChanges, formatPlan, modelWithout, planRemoveNode, RemoveRefused, specWithout, type NodeChange, type RemovePlan } from '../../lifecycle/removeNode.js';

interface RemoveNodeOptions {
  file: string;
  out: string;
  kubeconfig?: string;
  dryRun?: boolean;
  force?: boolean;
}

const err = (s: string) => process.stderr.write(s);

/** Renders the spec with and without the node from the same bundle and lists what changes. */
async function outputChanges(text: string, file: string, name: string, secretsDir: string): Promise<NodeChange[] | string> {
  const { prepareBundle, render } = await import('../../render.js');
  // One bundle for both renders (leaf keys missing from it are made once, in memory).
  const model = compileSpec(text, file);
  const { bundle } = await prepareBundle(model, readTree(secretsDir), secretsDir, new Date());
  const before = await render(model, bundle);
  let afterModel;
  try {
    afterModel = compileSpec(specWithout(text, name), file);
  } catch (e) {
    if (!(e instanceof KsprayError)) throw e;
    // Only the even etcd count (--force): render the model without the node anyway.
    if (!e.problems.every((p) => p.rule === 'odd-etcd-members')) return `the spec without ${name} is refused: ${e.message}`;
    afterModel = modelWithout(model, name);
  }
  const after = await render(afterModel, bundle);
  return diffOutputs(before, after);
}

async function runPlan(plan: RemovePlan, k: Kubectl): Promise<void> {
  const delayS = Number(readEnv('KSPRAY_RETRY_DELAY_SECONDS') ?? '10');
  const fail = (what: string, detail: string) => new KsprayError('failure', [messages.removeStepFailed(what, detail)]);
  for (const [i, step] of plan.steps.entries()) {
    err(`kspray: [${i + 1}/${plan.steps.length}] ${step.description}\n`);
    if (step.kind === 'kubectl') {
      let r = await k.run(step.args);
      for (let t = 2; !r.ok && t <= step.tries; t++) {
        err(`kspray:   failed (${r.detail}); try ${t}/${step.tries} in ${delayS}s\n`);
        await sleep(delayS * 1000);
        r = await k.run(step.args);
      }
      if (!r.ok) throw fail(step.description, r.detail);
    } else if (step.kind === 'etcd-remove') {
      const list = await k.run([...step.exec, 'member', 'list', '-w', 'json']);
      if (!list.ok) throw fail(`${step.description} (member list)`, list.detail);
      let decision;
      try {
        decision = planMemberRemoval(parseMemberList(list.stdout), step.peerUrl);
      } catch (e) {
        throw fail(`${step.description} (member list)`, (e as Error).message);
      }
      if (decision.action === 'absent') {
        err(`kspray:   no etcd member has peer URL ${step.peerUrl}: already removed\n`);
        continue;
      }
      if (decision.action === 'refuse') throw new KsprayError('input', [messages.removeEtcdRefused(decision.problem.message)]);
      const rm = await k.run([...step.exec, ...decision.args]);
      if (!rm.ok) throw fail(`${step.description} (member remove ${decision.member.id})`, rm.detail);
      err(`kspray:   removed etcd member ${decision.member.id} (${decision.member.name || 'unnamed'})\n`);
    } else {
      throw new KsprayError('input', [messages.removeExternalEtcdManual(plan.node.name)]);
    }
  }
}

async function removeNode(name: string, opts: RemoveNodeOptions): Promise<void> {
  const text = readTextFile(opts.file);
  const model = compileSpec(text, opts.file);
  let plan: RemovePlan;
  try {
    plan = planRemoveNode(model, name, { force: opts.force });
  } catch (e) {
    if (e instanceof RemoveRefused) throw new KsprayError('input', [e.problem]);
    throw e;
  }
  const clusterDir = join(opts.out, model.name);
  const secretsDir = join(clusterDir, 'secrets');
  const existing = readTree(secretsDir);
  if (!existing || existing.size === 0) throw new KsprayError('input', [messages.removeNotRendered(secretsDir, opts.file)]);
  const kubeconfig = opts.kubeconfig ?? join(clusterDir, 'admin.conf');
  // Computed first: a spec or bundle problem shows before anything changes in the cluster.
  const changes = await outputChanges(text, opts.file, name, secretsDir);
  if (opts.dryRun || plan.steps.some((s) => s.kind === 'manual')) {
    process.stdout.write(formatPlan(plan, kubeconfig) + formatChanges(name, changes));
    if (!opts.dryRun) throw new KsprayError('input', [messages.removeExternalEtcdManual(name)]);
    return;
  }
  await runPlan(plan, realKubectl(kubeconfig));
  err(`kspray: ${name} removed from the cluster\n`);
  for (const n of plan.notes) err(`kspray: note: ${n}\n`);
  process.stdout.write(formatChanges(name, changes));
}

export function register(program: Command): void {
  program
    .command('remove-node')
    .description('cordon, drain, remove the etcd member and delete a node through the API (Kubespray remove-node.yml); says which other nodes\' outputs change')
    .argument('<name>', 'node to remove (under spec.nodes)')
    .requiredOption('-f, --file <path>', 'cluster spec (still listing the node)')
    .option('-o, --out <dir>', 'outputs directory of the rendered cluster', 'outputs')
    .option('--kubeconfig <file>', 'kubeconfig for kubectl (default: <out>/<cluster>/admin.conf)')
    .option('--dry-run', 'print the plan and the output changes; run nothing')
    .option('--force', 'allow leaving an even number of etcd members (3 → 2)')
    .action(removeNode);
}
