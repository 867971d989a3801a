// `kspray render`: the whole cluster into outputs/<cluster>/, or one node's payload on stdout.
// This module stays light on purpose: a whole render whose stamp proves nothing changed
// (stamp/renderStamp.ts) prints what the last render printed and writes nothing, having loaded no
// zod, yaml or PKI library; anything else loads the render (commands/renderFull.ts).
import type { Command } from 'commander';
import { PROVIDERS } from '../../api/v1alpha1/providers.js';
import { buildInputs, normalizeOptions, specIsRegularFile, warmRender } from '../../stamp/renderStamp.js';
import type { RenderOptions } from './renderFull.js';

/**
 * Whether the stamp can stand for this run: a whole render into --out of a spec in a regular file.
 * --node prints a payload the stamp does not hold, --check compares rather than renders (both always
 * render in full); a spec read from a pipe cannot be read twice.
 */
export function stampable(opts: RenderOptions): boolean {
  return opts.node === undefined && !opts.check && specIsRegularFile(opts.file);
}

async function renderAction(opts: RenderOptions): Promise<void> {
  const stamp = stampable(opts) ? normalizeOptions({ ...opts }) : undefined;
  if (stamp) {
    // The build's digest is taken before any render module loads (they are then what it describes).
    buildInputs();
    if (opts.cache !== false) {
      const warm = warmRender(opts.file, opts.out, stamp);
      if (warm.hit) {
        if (warm.stdout) process.stdout.write(warm.stdout);
        process.stderr.write(warm.stderr);
        return;
      }
    }
  }
  const { renderCommand } = await import('./renderFull.js');
  await renderCommand(opts, stamp);
}

export function register(program: Command): void {
  program
    .command('render')
    .description('render every node payload into --out, or one node on stdout with --node')
    .requiredOption('-f, --file <path>', 'cluster spec')
    .option('-o, --out <dir>', 'outputs directory', 'outputs')
    .option('--node <name>', 'print only this node (or pool) payload on stdout (#cloud-config, or Ignition JSON for flatcar/fedora-coreos)')
    .option(
      '--ignition-url-base <url>',
      'Ignition nodes boot from a small pointer config fetching <url>/<node>/config.ign (sha512-checked); overrides spec.ignition.configUrlBase',
    )
    .option('--gzip', 'with --node: gzip the payload (cloud-init unpacks it)')
    .option('--base64', 'with --node: base64-encode the payload (after --gzip)')
    .option('--force', 'with --node: print a payload that holds private keys even to a terminal')
    .option('--provider <name>', `package for one cloud, checked against its user-data limit (${PROVIDERS.join(', ')}; default: spec.provider.name); with --node, print what that cloud receives`)
    .option('--check', 'write nothing; exit 1 unless the outputs directory is up to date with the spec (for CI)')
    .option('--output <format>', 'the summary as a table on stderr (text) or JSON on stdout (json; schema: schema/render-summary.schema.json)', 'text')
    .option('--no-cache', `render in full even when the last render's stamp (<out>/.kspray/) shows nothing changed`)
    .action(renderAction);
}
