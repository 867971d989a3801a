// `kspray diff`: render in memory and compare with outputs/<cluster>/ (writes nothing, not even
// the bundle). `--exit-code` as git's: 1 when anything differs, 0 when nothing does, 2 on bad input.
import type { Command } from 'commander';
import { join } from 'node:path';
import { listDirectories, readBytesIfExists } from '../../io/files.js';
import { diffRender, formatDiff, type DiffReport } from '../../diff/diff.js';
import { renderSpecFile } from './shared.js';
import { EXIT_FAILURE } from '../report.js';
import { outputFormat } from '../../text/jsonReport.js';

export async function diffSpecFile(file: string, outDir: string): Promise<DiffReport> {
  // The same compile/bundle/render sequence as every command, persisting nothing.
  const { rendered, clusterDir, bundleAdditions } = await renderSpecFile(file, outDir, false);
  return diffRender(rendered, { read: (rel) => readBytesIfExists(join(clusterDir, ...rel.split('/'))), nodeNames: listDirectories(join(clusterDir, 'nodes')) }, bundleAdditions);
}

export function register(program: Command): void {
  program
    .command('diff')
    .description('what a render would change on each node, compared with the outputs directory (writes nothing)')
    .requiredOption('-f, --file <path>', 'cluster spec')
    .option('-o, --out <dir>', 'outputs directory', 'outputs')
    .option('--output <format>', 'text or json (schema: schema/diff.schema.json)', 'text')
    .option('--exit-code', 'exit 1 when anything differs, 0 when nothing does')
    .action(async (o: { file: string; out: string; output: string; exitCode?: boolean }) => {
      const output = outputFormat(o.output);
      const report = await diffSpecFile(o.file, o.out);
      process.stdout.write(output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatDiff(report));
      if (o.exitCode && report.changed) process.exitCode = EXIT_FAILURE;
    });
}
