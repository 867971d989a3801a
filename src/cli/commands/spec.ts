// The commands about the spec itself: write a starter, check one, print its JSON Schema, list the versions.
import type { Command } from 'commander';
import { readTextFile, createFile } from '../../io/files.js';
import { compileSpec } from '../../compileSpec.js';
import { specJsonSchema } from '../../api/v1alpha1/types.js';
import { kubernetesVersions } from '../../catalog/catalog.js';
import { starterSpec } from '../starter.js';

const out = (s: string) => process.stdout.write(s);
const err = (s: string) => process.stderr.write(s);

export function register(program: Command): void {
  program
    .command('init')
    .description('write a commented starter cluster.yaml')
    .option('-f, --file <path>', 'where to write it ("-" for stdout)', 'cluster.yaml')
    .option('--name <name>', 'cluster name', 'demo')
    .action((opts: { file: string; name: string }) => {
      const text = starterSpec(opts.name);
      if (opts.file === '-') return void out(text);
      createFile(opts.file, text, 0o644);
      err(`kspray: wrote ${opts.file}; edit the nodes, then: kspray validate -f ${opts.file}\n`);
    });

  program
    .command('validate')
    .description('check a cluster spec; errors point at file:line:col')
    .requiredOption('-f, --file <path>', 'cluster spec')
    .action((opts: { file: string }) => {
      const model = compileSpec(readTextFile(opts.file), opts.file);
      const cps = model.nodes.filter((n) => n.isControlPlane).length;
      out(`${opts.file}: valid: cluster ${model.name}, kubernetes ${model.kubernetes.version}, ${cps} control plane(s), ${model.nodes.length - cps} other node(s)/pool(s)\n`);
    });

  program
    .command('schema')
    .description('print the JSON Schema of cluster.yaml (for editors)')
    .action(() => {
      out(`${JSON.stringify(specJsonSchema(), null, 2)}\n`);
    });

  program
    .command('versions')
    .description('list the Kubernetes versions the catalog has checksums for')
    .action(() => {
      out(`${kubernetesVersions().join('\n')}\n`);
    });
}
