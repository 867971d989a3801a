#!/usr/bin/env node
// Thin commands: parse flags, call the library, print, pick the exit code (cli/report.ts).
import { Command, CommanderError } from 'commander';
import { join } from 'node:path';
import { readBytesIfExists, readTextFile, writeOutputs, createFile } from '../io/files.js';
import { renderSpecFile } from './commands/shared.js';
import { compileSpec } from '../compileSpec.js';
import { gzipPayload } from '../emit/cloudInit.js';
import { specJsonSchema } from '../api/v1alpha1/types.js';
import { kubernetesVersions } from '../catalog/catalog.js';
import { KsprayError } from '../errors/errors.js';
import { EXIT_FAILURE, EXIT_INPUT, EXIT_OK, reportError } from './report.js';
import { fsFailure } from '../io/fsError.js';
import { starterSpec } from './starter.js';
import { renderSummary, sizeTable } from './summary.js';
import { outputFormat, reportText } from '../text/jsonReport.js';
import { privateKeysInPayload, type Rendered } from '../rendered.js';
import { messages } from '../errors/messages.js';
import { plainHttpConfigWithSecrets } from '../model/secretsRules.js';
import { usesIgnition } from '../plan/osProfile.js';
import { ignitionUrlBaseFlag } from './specPositions.js';
import { register as registerImport } from './commands/import.js';
import { register as registerCerts } from './commands/certs.js';
import { register as registerUpgrade } from './commands/upgrade.js';
import { register as registerScale } from './commands/scale.js';
import { register as registerRemoveNode } from './commands/remove-node.js';
import { register as registerReset } from './commands/reset.js';
import { PROVIDERS, packageRendered, packagedOutputFiles, printPackaged, resolveProvider } from './commands/render-provider.js';
import { register as registerPxe } from './commands/pxe.js';
import { register as registerImages } from './commands/images.js';
import { register as registerAws } from './commands/aws.js';
import { register as registerArtifacts } from './commands/artifacts.js';
import { register as registerDiff } from './commands/diff.js';
import { staleOutputs } from '../diff/check.js';

const out = (s: string) => process.stdout.write(s);
const err = (s: string) => process.stderr.write(s);

async function renderCommand(opts: {
  file: string;
  out: string;
  node?: string;
  gzip?: boolean;
  base64?: boolean;
  provider?: string;
  ignitionUrlBase?: string;
  force?: boolean;
  check?: boolean;
  output: string;
}): Promise<void> {
  // The summary is what --output json prints: --node prints a payload instead, --check a list of stale outputs.
  if (outputFormat(opts.output) === 'json' && (opts.node !== undefined || opts.check)) throw new KsprayError('input', [messages.outputJsonConflict('render', opts.node !== undefined ? '--node' : '--check', 'render --output json prints the summary of a full render')]);
  const { rendered, clusterDir, checked: packaged, bundleAdditions } = await renderSpecFile(
    opts.file,
    opts.out,
    // --check writes nothing, not even a new bundle
    !opts.check,
    (r) => {
      // Private keys on a terminal outlive the command (scrollback, screen sharing, recordings): only to a
      // pipe or file, or when asked. Checked before any write, like every refusal.
      if (opts.node !== undefined && process.stdout.isTTY && !opts.force) {
        const keys = privateKeysInPayload(r, opts.node);
        if (keys > 0) throw new KsprayError('input', [messages.renderKeysToTerminal(opts.node, keys)]);
      }
      // Per-cloud packaging (emit/providers): a payload over the cloud's limit even gzipped is refused here, before any write.
      return packageRendered(r, opts.provider, opts.node);
    },
    (model) => {
      if (opts.ignitionUrlBase !== undefined) {
        model.ignition.configUrlBase = ignitionUrlBaseFlag(opts.ignitionUrlBase);
        // The rule on spec.ignition.configUrlBase, for the flag that overrides it.
        if (plainHttpConfigWithSecrets(model.ignition.configUrlBase, model.secrets.delivery, model.nodes.some((n) => usesIgnition(n.os))))
          throw new KsprayError('input', [messages.ignitionUrlPlainHttp(model.ignition.configUrlBase)]);
      }
      if (opts.node !== undefined && !model.nodes.some((n) => n.name === opts.node)) {
        throw new KsprayError('input', [
          {
            rule: 'unknown-node',
            message: `no node or pool named "${opts.node}" in ${opts.file}`,
            hint: `Use one of: ${model.nodes.map((n) => n.name).join(', ')}.`,
          },
        ]);
      }
    },
  );
  // --check (CI: "outputs are up to date with the spec"): compare, write nothing, exit 1 on a difference.
  if (opts.check) {
    const { outputFiles } = await import('../render.js');
    const stale = staleOutputs([...outputFiles(rendered), ...packagedOutputFiles(packaged)], (rel) => readBytesIfExists(join(clusterDir, ...rel.split('/'))), bundleAdditions);
    if (stale.length) {
      err(`${stale.map((s) => `  ${s}`).join('\n')}\nkspray: ${clusterDir} is not up to date with ${opts.file} (${stale.length} difference(s)): run kspray render -f ${opts.file}\n`);
      process.exitCode = EXIT_FAILURE;
    } else err(`kspray: ${clusterDir} is up to date with ${opts.file}\n`);
    return;
  }
  // Everything is rendered and checked before anything is written (the bundle included): a failure above
  // leaves the disk untouched. The bundle is written even for --node: a payload whose CA was not kept would be useless.
  if (opts.node !== undefined && opts.provider !== undefined) return void printPackaged(rendered, packaged, opts.node, process.stdout);
  if (opts.node !== undefined) {
    const payload = rendered.payloads.get(opts.node)!;
    if (opts.gzip) {
      const gz = gzipPayload(payload);
      process.stdout.write(opts.base64 ? `${gz.toString('base64')}\n` : gz);
    } else {
      out(opts.base64 ? `${Buffer.from(payload).toString('base64')}\n` : payload);
    }
    return;
  }
  const { outputFiles } = await import('../render.js');
  writeOutputs(clusterDir, [...outputFiles(rendered), ...packagedOutputFiles(packaged)]);
  const summary = renderSummary(rendered, clusterDir, resolveProvider(opts.provider, rendered.model.provider), packaged);
  // JSON on stdout for tools; people read the table on stderr, next to the other notes.
  if (opts.output === 'json') out(reportText(summary));
  err(`kspray: rendered ${rendered.plans.length} payloads into ${clusterDir}\n${opts.output === 'json' ? '' : sizeTable(summary)}${serveNotes(rendered, clusterDir)}`);
}

/** What the user must serve for the nodes to boot (delivery fetch, cloud-init pointers), and where. */
function serveNotes(r: Rendered, clusterDir: string): string {
  const notes: string[] = [];
  if (r.model.secrets.delivery === 'fetch')
    notes.push(`kspray: serve ${join(clusterDir, 'fetch')}/ at ${r.model.secrets.urlBase}/ (https), each <node>/ readable only by that node; payloads hold no key and no token\n`);
  if (r.cloudInitFull.size)
    notes.push(`kspray: serve ${join(clusterDir, 'nodes')}/<node>/payload.tar at ${r.model.cloudInit.payloadUrlBase}/<node>/payload.tar (https), readable only by that node; cloud-init nodes boot from pointer.user-data\n`);
  return notes.join('');
}

export function buildProgram(): Command {
  const program = new Command('kspray')
    .description('Compile a cluster spec into per-node cloud-init payloads, PKI and kubeadm configs (no SSH).')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err });

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
    .action(renderCommand);

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

  registerImport(program);
  registerCerts(program);
  registerUpgrade(program);
  registerScale(program);
  registerRemoveNode(program);
  registerReset(program);
  registerPxe(program);
  registerImages(program);
  registerAws(program);
  registerArtifacts(program);
  registerDiff(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    // A command that succeeded with something to report (diff --exit-code, render --check) set it.
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed its message (unknown option, missing argument, --help...).
      return e.exitCode === 0 ? EXIT_OK : EXIT_INPUT;
    }
    return reportError(e, err);
  }
}

// A payload printed to a full device or a closed pipe fails asynchronously on stdout: one line, exit 1
// (a reader that closed the pipe early, like `head`, is not an error).
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  process.exitCode = e.code === 'EPIPE' ? process.exitCode : reportError(fsFailure(e, 'write', 'standard output'), err);
});
process.exitCode = await main(process.argv.slice(2));
