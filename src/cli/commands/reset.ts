// `kspray reset --node NAME`: the script (or a #cloud-config running it) that resets a node for
// re-provisioning (Kubespray reset.yml). With -f the node is checked against the spec and only its
// OS's bin dir is cleaned (and cri-o's mirror files the spec names); without, both bin dirs kspray uses.
import type { Command } from 'commander';
import { compileSpec } from '../../compileSpec.js';
import { KsprayError } from '../../errors/errors.js';
import { messages } from '../../errors/messages.js';
import { createFile, readTextFile } from '../../io/files.js';
import { resetCloudConfig, resetOptionsForNode, resetScript, type ResetOptions } from '../../lifecycle/reset.js';

interface ResetCliOptions {
  file?: string;
  node: string;
  out?: string;
  cloudInit?: boolean;
}

function reset(opts: ResetCliOptions): void {
  let ropts: ResetOptions = { node: opts.node };
  if (opts.file !== undefined) {
    const model = compileSpec(readTextFile(opts.file), opts.file);
    const node = model.nodes.find((n) => n.name === opts.node);
    if (!node) throw new KsprayError('input', [messages.resetUnknownNode(opts.node, model.nodes.map((n) => n.name))]);
    ropts = resetOptionsForNode(model, node);
  }
  const text = opts.cloudInit ? resetCloudConfig(ropts) : resetScript(ropts);
  if (opts.out === undefined || opts.out === '-') return void process.stdout.write(text);
  // Never overwrites (exit 2 when the file exists), like the other commands' -o.
  createFile(opts.out, text, opts.cloudInit ? 0o600 : 0o755);
  process.stderr.write(`kspray: wrote ${opts.out} (${opts.cloudInit ? '#cloud-config running the reset script' : 'reset script: run it as root on the node'})\n`);
}

export function register(program: Command): void {
  program
    .command('reset')
    .description('print a script (or with --cloud-init a #cloud-config) that resets a node for re-provisioning (Kubespray reset.yml); safe to run twice')
    .requiredOption('--node <name>', 'node (or pool) to reset')
    .option('-f, --file <path>', 'cluster spec: checks the node and picks its OS\'s bin dir')
    .option('-o, --out <file>', 'write to this file instead of stdout (never overwrites)')
    .option('--cloud-init', 'a #cloud-config with the script in write_files, run by runcmd')
    .action(reset);
}
