// `kspray scale -f cluster.yaml`: payloads for workers and control planes added to the spec (existing
// nodes' outputs are not written; those a new control plane changes are listed), and a fresh
// bootstrap token + its Secret manifest when the current one has expired.
import type { Command } from 'commander';
import { join } from 'node:path';
import { createExclusive, exists, readTextFile, readTree, writeOutputs, type OutputFile } from '../../io/files.js';
import { compileSpec } from '../../compileSpec.js';
import { KsprayError } from '../../errors/errors.js';
import { messages } from '../../errors/messages.js';
import { realKubectl } from '../../lifecycle/kubectl.js';
import { diffOutputs, specWithout, type NodeChange } from '../../lifecycle/removeNode.js';
import { newestMintedToken } from '../../secrets/tokens.js';
import { bootstrapTokenSecret, currentToken, parseDuration, scaleTargets, tokenState, tokenToFile, type BootstrapToken } from '../../lifecycle/scale.js';

interface ScaleOptions {
  file: string;
  out: string;
  tokenMargin: string;
  kubeconfig?: string;
}

async function scale(opts: ScaleOptions): Promise<void> {
  const marginMs = parseDuration(opts.tokenMargin);
  if (marginMs === undefined) throw new KsprayError('input', [{ rule: 'invalid-flag', message: `--token-margin "${opts.tokenMargin}" is not a duration`, hint: 'e.g. --token-margin 2h' }]);
  const text = readTextFile(opts.file);
  const model = compileSpec(text, opts.file);
  const clusterDir = join(opts.out, model.name);
  const secretsDir = join(clusterDir, 'secrets');
  const existing = readTree(secretsDir);
  if (!existing || existing.size === 0) throw new KsprayError('input', [messages.scaleNotRendered(secretsDir, opts.file)]);

  const targets = scaleTargets(model, (name) => exists(join(clusterDir, 'nodes', name, 'user-data')));
  const now = new Date();
  const { outputFiles, prepareBundle, render } = await import('../../render.js');
  const { newBootstrapToken } = await import('../../secrets/token.js');
  const prepared = await prepareBundle(model, existing, secretsDir, now);
  let token = currentToken(existing, prepared.bundle.bootstrapToken, prepared.bundle.createdAt, model.bootstrapToken.ttl, secretsDir);
  const state = tokenState(token, now, marginMs);
  let minted: BootstrapToken | undefined;
  if (state.state === 'expiring') {
    // Whole seconds: the Secret's expiration is RFC 3339 without fractions, as kubeadm writes it.
    minted = { ...newBootstrapToken(), createdAt: new Date(Math.floor(now.getTime() / 1000) * 1000), ttl: model.bootstrapToken.ttl };
    token = minted;
  }
  const bundle = { ...prepared.bundle, bootstrapToken: { id: token.id, secret: token.secret } };
  const rendered = await render(model, bundle);
  // New control planes change existing nodes' outputs (proxy upstreams...): computed, listed, not written.
  let changes: NodeChange[] | string | undefined;
  if (targets.addedControlPlanes.length) {
    const beforeText = targets.added.reduce((t, name) => specWithout(t, name), text);
    try {
      changes = diffOutputs(await render(compileSpec(beforeText, opts.file), bundle), rendered);
    } catch (e) {
      if (!(e instanceof KsprayError)) throw e;
      changes = `the spec without the new nodes is refused: ${e.message}`;
    }
  }
  const names = new Set(targets.render.map((n) => n.name));
  const nodeFiles = outputFiles(rendered).filter((f) => f.relPath.startsWith('nodes/') && names.has(f.relPath.split('/')[1]!));

  // Everything is computed before anything is written.
  const secretFiles: OutputFile[] = [...prepared.newFiles, ...(minted ? [tokenToFile(minted)] : [])];
  if (secretFiles.length) createExclusive(secretsDir, secretFiles, 0o700);
  const manifest = minted ? `bootstrap-token-${minted.id}.yaml` : undefined;
  writeOutputs(clusterDir, [...nodeFiles, ...(manifest ? [{ relPath: manifest, content: bootstrapTokenSecret(minted!), mode: 0o600 }] : [])]);

  const err = (s: string) => process.stderr.write(`${s}\n`);
  err(`kspray: ${targets.added.length ? `new node payloads: ${targets.added.join(', ')}` : 'no new nodes in the spec'}; pools re-rendered: ${targets.render.filter((n) => n.kind === 'pool').map((n) => n.name).join(', ') || 'none'}; other nodes untouched`);
  for (const w of targets.warnings) err(`kspray: warning: ${w}`);
  if (changes !== undefined) {
    err(`kspray: new control planes ${targets.addedControlPlanes.join(', ')} join with kubeadm join --control-plane (certificates from the same bundle); existing nodes' outputs that change (not written by scale):`);
    if (typeof changes === 'string') err(`  (not computed: ${changes})`);
    else if (!changes.length) err('  none');
    else {
      for (const c of changes) err(`  ${c.node}: ${c.files.length ? c.files.join(', ') : '(payload only)'}${targets.render.some((n) => n.name === c.node) ? ' (re-rendered: a pool)' : ''}`);
      err('  they work meanwhile (through the existing control planes); run kspray render and re-provision them (or put the changed files in place) to use the new control planes too.');
    }
  }
  if (minted) {
    const past = state.state === 'expiring' && state.expiresAt.getTime() <= now.getTime();
    const was = state.state === 'expiring' ? ` (the previous token ${past ? 'expired' : 'expires'} ${state.expiresAt.toISOString()}${past ? '' : `, within --token-margin ${opts.tokenMargin}`})` : '';
    err(`kspray: minted bootstrap token ${minted.id} into ${secretsDir}/tokens/${was}`);
    err(`kspray: before booting the new nodes: kubectl --kubeconfig ${join(clusterDir, 'admin.conf')} apply -f ${join(clusterDir, manifest!)}`);
  } else {
    err(`kspray: bootstrap token ${token.id} is still valid${state.state === 'valid' ? ` until at least ${state.expiresAt.toISOString()}` : ' (never expires)'}`);
  }
  // kubeadm init created the bundle's first token; a minted one (now or by an earlier scale) exists
  // in the cluster only once its Secret is applied. Server-side apply: safe to repeat.
  if (opts.kubeconfig && (minted || newestMintedToken(existing, secretsDir))) {
    const args = ['apply', '--server-side', '--field-manager=kspray', '-f', '-'];
    const r = await realKubectl(opts.kubeconfig).run(args, bootstrapTokenSecret(token));
    if (!r.ok) throw new KsprayError('failure', [messages.scaleApplyFailed(token.id, r.detail)]);
    err(`kspray: applied Secret kube-system/bootstrap-token-${token.id} (kubectl --kubeconfig ${opts.kubeconfig} ${args.join(' ')})`);
  }
}

export function register(program: Command): void {
  program
    .command('scale')
    .description('render payloads for workers and control planes added to the spec (Kubespray scale.yml), listing existing nodes\' outputs a new control plane changes; mints a new bootstrap token and its Secret manifest when the current one has expired (applied with --kubeconfig)')
    .requiredOption('-f, --file <path>', 'cluster spec')
    .option('-o, --out <dir>', 'outputs directory of the rendered cluster', 'outputs')
    .option('--token-margin <duration>', 'mint a new token when the current one expires within this', '1h')
    .option('--kubeconfig <file>', 'apply the minted token\'s Secret to the cluster with this kubeconfig (server-side apply, safe to repeat)')
    .action(scale);
}
