// `kspray render` when the stamp cannot answer (commands/render.ts): the whole cluster into
// outputs/<cluster>/, or one node's payload on stdout; a whole render then leaves a new stamp.
import { dirname, join, resolve } from 'node:path';
import { readBytesIfExists, replaceFile, writeOutputs } from '../../io/files.js';
import { renderSpecFile } from './shared.js';
import { payloadGzip } from '../../emit/cloudInit.js';
import { KsprayError } from '../../errors/errors.js';
import { EXIT_FAILURE } from '../report.js';
import { renderSummary, sizeTable } from '../summary.js';
import { outputFormat, reportText } from '../../text/jsonReport.js';
import { privateKeysInPayload, type Rendered } from '../../rendered.js';
import { messages } from '../../errors/messages.js';
import { plainHttpConfigWithSecrets } from '../../model/secretsRules.js';
import { usesIgnition } from '../../plan/osProfile.js';
import { ignitionUrlBaseFlag } from '../specPositions.js';
import { packageRendered, packagedOutputFiles, printPackaged, resolveProvider } from './render-provider.js';
import { staleOutputs } from '../../diff/check.js';
import { envReads } from '../../env.js';
import { inputsDigest, readInputs, sha256, stampedOutput, stampPath, stampText, type StampInputs, type StampOptions } from '../../stamp/renderStamp.js';

const out = (s: string) => process.stdout.write(s);
const err = (s: string) => process.stderr.write(s);

export interface RenderOptions {
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
  /** --no-cache: false */
  cache?: boolean;
}

/** `stamp`: this render may leave a stamp (a whole render into --out), with these options as its input. */
export async function renderCommand(opts: RenderOptions, stamp?: StampOptions): Promise<void> {
  // The stamp's inputs are read before the render reads them and again after: a spec or bundle changed
  // meanwhile may have been read either way, and then no stamp is written.
  const specBefore = stamp && specDigest(opts.file);
  let inputsBefore: StampInputs | undefined;
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
      // Here the cluster's directory is known and its bundle not read yet.
      if (stamp) inputsBefore = stampInputs(opts, stamp, join(opts.out, model.name));
    },
    // --node prints one payload: only that node is planned and emitted (--check compares the whole outputs directory).
    opts.check ? undefined : opts.node,
  );
  // --check (CI: "outputs are up to date with the spec"): compare, write nothing, exit 1 on a difference.
  if (opts.check) {
    const { outputFiles } = await import('../../render.js');
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
      const gz = payloadGzip(rendered, opts.node);
      process.stdout.write(opts.base64 ? `${gz.toString('base64')}\n` : gz);
    } else {
      out(opts.base64 ? `${Buffer.from(payload).toString('base64')}\n` : payload);
    }
    return;
  }
  const { outputFiles } = await import('../../render.js');
  const files = [...outputFiles(rendered), ...packagedOutputFiles(packaged)];
  writeOutputs(clusterDir, files);
  const summary = renderSummary(rendered, clusterDir, resolveProvider(opts.provider, rendered.model.provider), packaged);
  // JSON on stdout for tools; people read the table on stderr, next to the other notes.
  const stdout = opts.output === 'json' ? reportText(summary) : '';
  const stderr = `kspray: rendered ${rendered.plans.length} payloads into ${clusterDir}\n${opts.output === 'json' ? '' : sizeTable(summary)}${serveNotes(rendered, clusterDir)}`;
  if (stdout) out(stdout);
  err(stderr);
  // Last, once everything is written: see stamp/renderStamp.ts for why this makes the next run's answer right.
  // A render that added bundle files (a new bundle, keys for new nodes) finds another bundle after than
  // before: it leaves no stamp, the next render does.
  if (stamp && inputsBefore) {
    const after = stampInputs(opts, stamp, clusterDir);
    if (after && specBefore === after.spec.sha256 && inputsDigest({ ...inputsBefore, env: after.env }) === inputsDigest(after)) {
      const outputs = files.map((f) => stampedOutput(f.relPath, f.content, f.mode));
      const path = stampPath(opts.file, opts.out, stamp);
      const text = stampText({ read: after, clusterDir: resolve(clusterDir), outputs, stdout, stderr });
      try {
        // The same stamp (render --no-cache with nothing changed) is left alone, like every unchanged output.
        // Outputs are often kept in Git; stamps hold this machine's paths and belong to no commit.
        const ignore = join(dirname(path), '.gitignore');
        if (readBytesIfExists(ignore) === undefined) replaceFile(ignore, '# kspray render stamps: local to this machine\n*\n', 0o644, 0o700);
        if (!readBytesIfExists(path)?.equals(Buffer.from(text))) replaceFile(path, text, 0o600, 0o700);
      } catch {
        // The render succeeded and its outputs are written: without a stamp the next render is a full one.
      }
    }
  }
}

function specDigest(file: string): string | undefined {
  try {
    return sha256(readBytesIfExists(file) ?? '');
  } catch {
    return undefined;
  }
}

/** The inputs as they are now (undefined when one cannot be read: then no stamp, the render goes on). */
function stampInputs(opts: RenderOptions, options: StampOptions, clusterDir: string): StampInputs | undefined {
  try {
    return readInputs({ specFile: opts.file, clusterDir, options, envNames: envReads() });
  } catch {
    return undefined;
  }
}

/** What the user must serve for the nodes to boot (delivery fetch, cloud-init pointers), and where. */
function serveNotes(r: Rendered, clusterDir: string): string {
  const notes: string[] = [];
  if (r.model.secrets.delivery === 'fetch')
    notes.push(`kspray: serve ${join(clusterDir, 'fetch')}/ at ${r.model.secrets.urlBase}/ (https), each <node>/ readable only by that node; payloads hold no key and no token\n`);
  if (r.model.secrets.delivery === 'aws-secrets-manager')
    notes.push(`kspray: kspray aws apply stores ${join(clusterDir, 'fetch')}/<node>/secrets.tar as the Secrets Manager secret kspray/${r.model.name}/<role>/<node>, readable only by that role's instance profile; payloads hold no key and no token\n`);
  if (r.cloudInitFull.size)
    notes.push(`kspray: serve ${join(clusterDir, 'nodes')}/<node>/payload.tar at ${r.model.cloudInit.payloadUrlBase}/<node>/payload.tar (https), readable only by that node; cloud-init nodes boot from pointer.user-data\n`);
  return notes.join('');
}
