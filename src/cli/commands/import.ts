// `kspray import kubespray DIR`: a Kubespray inventory directory → cluster.yaml (stdout or -o).
import type { Command } from 'commander';
import { createFile, exists, readTree } from '../../io/files.js';
import { KsprayError } from '../../errors/errors.js';
import { messages } from '../../errors/messages.js';
import { assertImportable, assertImportOs, clusterNameFromDir, formatReport, importKubespray, importToYaml } from '../../import/kubespray.js';
import { SUPPORTED_OS } from '../../api/v1alpha1/types.js';

export function register(program: Command): void {
  program
    .command('import')
    .description('turn another installer\'s configuration into a cluster.yaml')
    .command('kubespray')
    .description('a Kubespray inventory dir (hosts.yaml or inventory.ini + group_vars) → cluster.yaml; the variable report goes to stderr')
    .argument('<dir>', 'inventory directory, e.g. inventory/mycluster')
    .option('-o, --out <file>', 'write cluster.yaml here (never overwritten) instead of stdout')
    .option('--name <name>', 'metadata.name (default: the directory name)')
    .option('--os <os>', `os: of every node (Kubespray inventories do not say): ${SUPPORTED_OS.join(', ')}`)
    .action((dir: string, opts: { out?: string; name?: string; os?: string }) => {
      if (opts.os !== undefined) assertImportOs(opts.os);
      const files = readTree(dir);
      if (!files) throw new KsprayError('input', [messages.cannotRead(dir, 'ENOENT')]);
      if (opts.out && exists(opts.out)) {
        throw new KsprayError('input', [messages.fileExists(opts.out, 'EEXIST')]);
      }
      const result = importKubespray(files, dir, { name: opts.name ?? clusterNameFromDir(dir), ...(opts.os ? { os: opts.os } : {}) });
      assertImportable(result); // exit 2, nothing written
      const text = importToYaml(result, dir);
      process.stderr.write(formatReport(result.report));
      if (opts.out) createFile(opts.out, text, 0o644);
      else process.stdout.write(text);
      process.stderr.write(
        `kspray: imported ${result.inventoryFile}${opts.out ? ` into ${opts.out}` : ''}; next: kspray validate -f ${opts.out ?? 'cluster.yaml'}\n`,
      );
    });
}
