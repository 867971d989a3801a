// `kspray upgrade -f cluster.yaml --to VERSION --plan`: skew-checked, ordered upgrade plan and the
// spec change to make. `--apply` runs it in place through the API (lifecycle/upgradeRun.ts), with
// progress in <out>/<cluster>/upgrade-<VERSION>.state.json; `--apply --dry-run` prints the calls.
import { readEnv } from '../../env.js';
import type { Command } from 'commander';
import { join } from 'node:path';
import { exists, readTextFile, writeOutputs } from '../../io/files.js';
import { compileSpecLocated } from '../../compileSpec.js';
import { KsprayError } from '../../errors/errors.js';
import { messages } from '../../errors/messages.js';
import { kubernetesVersions } from '../../catalog/catalog.js';
import type { ClusterModel } from '../../model/model.js';
import { formatUpgradePlan, planUpgrade, type UpgradePlan } from '../../lifecycle/upgrade.js';
import { printingKubectl, realKubectl } from '../../lifecycle/kubectl.js';
import { observeNodes, parseUpgradeState, runUpgrade, upgradeBatches, upgradeStateFile } from '../../lifecycle/upgradeRun.js';
import { fullNodeProgram } from '../../plan/nodeProgram.js';
import { upgradePlanReport } from '../../lifecycle/upgradeReport.js';
import { outputFormat, reportText } from '../../text/jsonReport.js';

interface UpgradeOptions {
  file: string;
  to: string;
  plan?: boolean;
  apply?: boolean;
  dryRun?: boolean;
  kubeconfig?: string;
  out: string;
  etcdUpgraded?: boolean;
  kubeletVersions?: string;
  output: string;
}

/** "worker-1=1.34.3,worker-2=v1.35.1" → { worker-1: "1.34.3", ... }. */
export function parseKubeletVersions(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([^=\s]+)=v?(\d+\.\d+\.\d+)$/.exec(part);
    if (!m) throw new KsprayError('input', [messages.badKubeletVersions(text)]);
    out[m[1]!] = m[2]!;
  }
  return out;
}

const seconds = (name: string, fallback: number) => {
  const v = Number(readEnv(name) ?? fallback);
  return (Number.isFinite(v) && v >= 0 ? v : fallback) * 1000;
};

async function apply(model: ClusterModel, opts: UpgradeOptions, checked: (kubelets: Record<string, string>) => UpgradePlan): Promise<void> {
  const clusterDir = join(opts.out, model.name);
  const kubeconfig = opts.kubeconfig ?? join(clusterDir, 'admin.conf');
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const err = (s: string) => process.stderr.write(`kspray: ${s}\n`);
  if (opts.dryRun) {
    const plan = checked({});
    out(`# kspray upgrade ${plan.from} → ${plan.to}: the kubectl calls of a fresh run, in order`);
    const printing = printingKubectl(kubeconfig, out);
    out('# every node of the plan must be listed; the kubelet versions are checked against the skew policy');
    await printing.run(['get', 'nodes', '-o', 'json']);
    await runUpgrade({
      kubectl: printing,
      model,
      plan,
      program: fullNodeProgram(),
      state: { from: plan.from, to: plan.to, done: {} },
      save: () => {},
      log: out,
      dryRun: true,
      pollMs: seconds('KSPRAY_UPGRADE_POLL_SECONDS', 5),
      jobTimeoutMs: seconds('KSPRAY_UPGRADE_JOB_TIMEOUT_SECONDS', 3600),
      nodeTimeoutMs: seconds('KSPRAY_UPGRADE_NODE_TIMEOUT_SECONDS', 300),
      retryDelayMs: seconds('KSPRAY_RETRY_DELAY_SECONDS', 10),
      etcdUpgraded: opts.etcdUpgraded,
    });
    return;
  }
  const k = realKubectl(kubeconfig);
  // Observed kubelets join the skew check; every node the plan upgrades must be in the cluster.
  const observed = await observeNodes(k);
  const plan = checked(Object.fromEntries([...observed].map(([name, n]) => [name, n.kubeletVersion])));
  const missing = upgradeBatches(model, plan).flatMap((b) => b.nodes.map((n) => n.name)).filter((n) => !observed.has(n));
  if (missing.length) throw new KsprayError('input', [messages.upgradeNodeMissing(missing)]);
  const stateFile = upgradeStateFile(plan.to);
  const statePath = join(clusterDir, stateFile);
  const state = parseUpgradeState(exists(statePath) ? readTextFile(statePath) : undefined, plan.from, plan.to);
  await runUpgrade({
    kubectl: k,
    model,
    plan,
    program: fullNodeProgram(),
    state,
    save: (s) => writeOutputs(clusterDir, [{ relPath: stateFile, content: `${JSON.stringify(s, null, 2)}\n`, mode: 0o644 }]),
    log: err,
    dryRun: false,
    pollMs: seconds('KSPRAY_UPGRADE_POLL_SECONDS', 5),
    jobTimeoutMs: seconds('KSPRAY_UPGRADE_JOB_TIMEOUT_SECONDS', 3600),
    nodeTimeoutMs: seconds('KSPRAY_UPGRADE_NODE_TIMEOUT_SECONDS', 300),
    retryDelayMs: seconds('KSPRAY_RETRY_DELAY_SECONDS', 10),
    etcdUpgraded: opts.etcdUpgraded,
  });
  err(`every node is at ${plan.to} (progress: ${join(clusterDir, stateFile)})`);
  out(`Spec change to make now (then kspray render): spec.kubernetes.version: "${plan.to}"`);
}

async function upgrade(opts: UpgradeOptions): Promise<void> {
  const output = outputFormat(opts.output);
  // --apply logs progress as it runs: the JSON report is the plan's.
  if (output === 'json' && opts.apply) throw new KsprayError('input', [messages.outputJsonConflict('upgrade', '--apply', 'upgrade --output json prints the plan (--plan); --apply reports its progress as it runs')]);
  const text = readTextFile(opts.file);
  const { model, spec, locator } = compileSpecLocated(text, opts.file);
  const checked = (kubelets: Record<string, string>) => {
    try {
      return planUpgrade(model, opts.to, kubernetesVersions(), kubelets);
    } catch (e) {
      // Refusals point at spec.kubernetes.version (file:line:col) when the spec has it.
      if (e instanceof KsprayError) throw new KsprayError(e.kind, e.problems, opts.file, locator);
      throw e;
    }
  };
  const flagged = opts.kubeletVersions ? parseKubeletVersions(opts.kubeletVersions) : {};
  const plan = checked(flagged);
  if (opts.apply) return apply(model, opts, (observed) => checked({ ...observed, ...flagged }));
  if (!opts.plan) throw new KsprayError('input', [messages.upgradeNeedsPlan()]);
  const pos = locator.locate(['spec', 'kubernetes', 'version']);
  const inSpec = spec.spec.kubernetes?.version !== undefined;
  if (output === 'json') {
    const where = inSpec ? { line: pos.line, col: pos.col } : {};
    return void process.stdout.write(reportText(upgradePlanReport(model.name, plan, { file: opts.file, path: 'spec.kubernetes.version', ...where, to: plan.to })));
  }
  const change =
    inSpec
      ? `${opts.file}:${pos.line}:${pos.col}: spec.kubernetes.version: "${plan.from}" → "${plan.to}"`
      : `${opts.file}: add spec.kubernetes.version: "${plan.to}" (the spec has none, so it follows kspray's default, ${plan.from})`;
  process.stdout.write(`${formatUpgradePlan(plan)}\nSpec change to make after the upgrade (then kspray render):\n  ${change}\n`);
}

export function register(program: Command): void {
  program
    .command('upgrade')
    .description("check an upgrade against kubeadm's and the version skew policy's rules, print the ordered plan, or run it through the API (Kubespray upgrade-cluster.yml)")
    .requiredOption('-f, --file <path>', 'cluster spec (its kubernetes.version is the running version)')
    .requiredOption('--to <version>', 'target Kubernetes version (kspray versions lists them)')
    .option('--plan', 'print the plan and the spec change')
    .option('--apply', 'run the plan in place: per node cordon, drain, a privileged Job running the node program\'s upgrade mode, wait for the new kubelet, uncordon; resumable')
    .option('--dry-run', 'with --apply: print the kubectl calls of a fresh run; run nothing')
    .option('--kubeconfig <file>', 'kubeconfig for kubectl (default: <out>/<cluster>/admin.conf)')
    .option('-o, --out <dir>', 'outputs directory of the rendered cluster (the state file goes there)', 'outputs')
    .option('--etcd-upgraded', 'with --apply: the external etcd members were upgraded by hand (no kubelet, no Job reaches them)')
    .option('--kubelet-versions <list>', 'observed kubelet versions, NAME=X.Y.Z,... (kubectl get nodes), checked against the skew policy')
    .option('--output <format>', 'with --plan: text or json (schema: schema/upgrade-plan.schema.json)', 'text')
    .action(upgrade);
}
