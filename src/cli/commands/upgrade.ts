// `kspray upgrade -f cluster.yaml --to VERSION --plan`: skew-checked, ordered upgrade plan and the
// spec change to make. Running it in place (per-node Jobs through the API) is not implemented yet.
import type { Command } from 'commander';
import { readTextFile } from '../../io/files.js';
import { compileSpec } from '../../compileSpec.js';
import { KsprayError } from '../../errors/errors.js';
import { messages } from '../../errors/messages.js';
import { kubernetesVersions } from '../../catalog/catalog.js';
import { loadSpec } from '../../spec/loadSpec.js';
import { formatUpgradePlan, planUpgrade } from '../../lifecycle/upgrade.js';

interface UpgradeOptions {
  file: string;
  to: string;
  plan?: boolean;
  kubeletVersions?: string;
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

function upgrade(opts: UpgradeOptions): void {
  const text = readTextFile(opts.file);
  const model = compileSpec(text, opts.file);
  const { spec, source } = loadSpec(text, opts.file);
  const kubelets = opts.kubeletVersions ? parseKubeletVersions(opts.kubeletVersions) : {};
  let plan;
  try {
    plan = planUpgrade(model, opts.to, kubernetesVersions(), kubelets);
  } catch (e) {
    // Refusals point at spec.kubernetes.version (file:line:col) when the spec has it.
    if (e instanceof KsprayError) {
      throw new KsprayError(e.kind, e.problems, opts.file, source);
    }
    throw e;
  }
  if (!opts.plan) throw new KsprayError('input', [messages.upgradeNeedsPlan()]);
  const pos = source.locate(['spec', 'kubernetes', 'version']);
  const change =
    spec.spec.kubernetes?.version !== undefined
      ? `${opts.file}:${pos.line}:${pos.col}: spec.kubernetes.version: "${plan.from}" → "${plan.to}"`
      : `${opts.file}: add spec.kubernetes.version: "${plan.to}" (the spec has none, so it follows kspray's default, ${plan.from})`;
  process.stdout.write(`${formatUpgradePlan(plan)}\nSpec change to make after the upgrade (then kspray render):\n  ${change}\n`);
}

export function register(program: Command): void {
  program
    .command('upgrade')
    .description("check an upgrade against kubeadm's and the version skew policy's rules and print the ordered plan (Kubespray upgrade-cluster.yml)")
    .requiredOption('-f, --file <path>', 'cluster spec (its kubernetes.version is the running version)')
    .requiredOption('--to <version>', 'target Kubernetes version (kspray versions lists them)')
    .option('--plan', 'print the plan and the spec change (in-place execution through the API is not implemented yet)')
    .option('--kubelet-versions <list>', 'observed kubelet versions, NAME=X.Y.Z,... (kubectl get nodes), checked against the skew policy')
    .action(upgrade);
}
