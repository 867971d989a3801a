// `npm run bench`: the numbers in the README, each against a baseline measured in the same run.
//  1. Full PKI for the HA example (kspray, in process) vs the openssl CLI making the same set.
//  2. Render time: HA example, and 3 control planes + 1,000 / 2,000 static workers (linearity).
//  3. Payload sizes per role, raw and gzipped, against the 16 KiB EC2 user-data limit.
//  4. What each composable choice (test/matrix scenarios) costs the first control plane's payload,
//     against the baseline scenario rendered in the same run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { compileSpec, prepareBundle, render } from '../render.js';
import { gzipPayload } from '../emit/cloudInit.js';
import { EC2_USER_DATA_LIMIT } from '../cli/summary.js';
import type { ClusterModel } from '../model/model.js';
import type { PkiAlgorithm } from '../api/v1alpha1/types.js';
import { usesIgnition } from '../plan/osProfile.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const examplesDir = new URL('../../examples/', import.meta.url);
const haText = readFileSync(new URL('ha/cluster.yaml', examplesDir), 'utf8');
// Every customization field (audit, admission, kubelet/kube-proxy configs, files, patches): what they cost beside HA.
const customText = readFileSync(new URL('custom/cluster.yaml', examplesDir), 'utf8');

function ms(t0: number): number {
  return Math.round((performance.now() - t0) * 10) / 10;
}

async function median(runs: number, fn: () => Promise<void> | void): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(ms(t0));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function withAlgorithm(text: string, algorithm: PkiAlgorithm): string {
  return text.replace(/algorithm: ECDSA-P256/, `algorithm: ${algorithm}`);
}

/** How many keys and certificates kspray makes for a model, so openssl is asked for the same. */
async function pkiCounts(model: ClusterModel): Promise<{ keys: number; certs: number; cas: number }> {
  const { bundle } = await prepareBundle(model, undefined, 'bench', NOW);
  const r = await render(model, bundle);
  const cas = 3;
  const certs = r.pki.certificates.length;
  // +1: the service-account key pair has no certificate.
  return { keys: certs + 1, certs, cas };
}

/** The same set with the openssl CLI: one process per key and per signature, as a shell script would. */
function opensslPki(dir: string, algorithm: PkiAlgorithm, counts: { keys: number; certs: number; cas: number }): void {
  const keyArgs = algorithm.startsWith('RSA')
    ? ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${algorithm.slice(4)}`]
    : ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${algorithm === 'ECDSA-P384' ? 'P-384' : 'P-256'}`];
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  for (let i = 0; i < counts.keys; i++) run(['genpkey', ...keyArgs, '-out', join(dir, `k${i}.key`)]);
  for (let i = 0; i < counts.cas; i++) {
    run(['req', '-x509', '-new', '-key', join(dir, `k${i}.key`), '-subj', `/CN=ca-${i}`, '-days', '3650', '-out', join(dir, `c${i}.crt`)]);
  }
  for (let i = counts.cas; i < counts.certs; i++) {
    run(['req', '-new', '-key', join(dir, `k${i}.key`), '-subj', `/CN=leaf-${i}`, '-out', join(dir, `r${i}.csr`)]);
    run(['x509', '-req', '-in', join(dir, `r${i}.csr`), '-CA', join(dir, 'c0.crt'), '-CAkey', join(dir, 'k0.key'), '-days', '365', '-out', join(dir, `c${i}.crt`)]);
  }
}

async function benchPki(): Promise<string[]> {
  const lines = ['## PKI for the HA example (3 control planes): kspray vs openssl CLI, same run', '', '| algorithm | keys | certs | kspray ms | openssl CLI ms | ratio |', '|---|---|---|---|---|---|'];
  for (const algorithm of ['ECDSA-P256', 'RSA-2048'] as const) {
    const model = compileSpec(withAlgorithm(haText, algorithm), 'ha.yaml');
    const counts = await pkiCounts(model);
    const runs = algorithm === 'RSA-2048' ? 3 : 5;
    const kspray = await median(runs, async () => {
      const { bundle } = await prepareBundle(model, undefined, 'bench', NOW);
      await render(model, bundle);
    });
    const openssl = await median(runs, () => {
      const dir = mkdtempSync(join(tmpdir(), 'kspray-bench-'));
      try {
        opensslPki(dir, algorithm, counts);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    lines.push(`| ${algorithm} | ${counts.keys} | ${counts.certs} | ${kspray} | ${openssl} | ${(openssl / kspray).toFixed(1)}x faster |`);
  }
  lines.push('', 'kspray times include rendering every payload; openssl times are key generation and signing only.');
  return lines;
}

function bigSpec(workers: number): string {
  const nodes = [
    '    - { name: cp-1, address: 10.0.0.11, roles: [control-plane] }',
    '    - { name: cp-2, address: 10.0.0.12, roles: [control-plane] }',
    '    - { name: cp-3, address: 10.0.0.13, roles: [control-plane] }',
  ];
  for (let i = 0; i < workers; i++) nodes.push(`    - { name: w-${i}, address: 10.1.${Math.floor(i / 250)}.${(i % 250) + 1}, roles: [worker] }`);
  return `apiVersion: kspray.dev/v1alpha1\nkind: Cluster\nmetadata: { name: big }\nspec:\n  nodes:\n${nodes.join('\n')}\n`;
}

async function benchRender(): Promise<string[]> {
  const lines = ['## Render time (spec → model → plans → cloud-config, bundle already made; median of 3)', '', '| cluster | nodes | ms | ms per node |', '|---|---|---|---|'];
  const cases: Array<[string, string]> = [
    ['HA example', haText],
    ['custom example', customText],
    ['3 CP + 1,000 workers', bigSpec(1000)],
    ['3 CP + 2,000 workers', bigSpec(2000)],
  ];
  for (const [label, text] of cases) {
    const model = compileSpec(text, 'bench.yaml');
    const { bundle } = await prepareBundle(model, undefined, 'bench', NOW);
    const t = await median(3, async () => {
      await render(compileSpec(text, 'bench.yaml'), bundle);
    });
    lines.push(`| ${label} | ${model.nodes.length} | ${t} | ${(t / model.nodes.length).toFixed(2)} |`);
  }
  return lines;
}

async function benchSizes(): Promise<string[]> {
  const lines = [
    '## Payload sizes (HA and custom examples, ECDSA-P256, same run) vs the 16 KiB EC2 user-data limit',
    '',
    '| example | node | role | format | bytes | gzip bytes | fits 16 KiB |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [example, text] of [['ha', haText], ['custom', customText]] as const) {
    const model = compileSpec(text, `${example}.yaml`);
    const { bundle } = await prepareBundle(model, undefined, 'bench', NOW);
    const r = await render(model, bundle);
    const seen = new Set<string>();
    for (const p of r.plans) {
      const format = usesIgnition(p.node.os) ? 'Ignition' : 'cloud-init';
      const role = p.node.isFirstControlPlane ? 'control plane (init)' : p.node.isControlPlane ? 'control plane (join)' : p.node.kind === 'pool' ? 'worker pool' : 'worker';
      if (seen.has(role + format)) continue;
      seen.add(role + format);
      const payload = r.payloads.get(p.node.name)!;
      const raw = Buffer.byteLength(payload);
      const gz = gzipPayload(payload).length;
      // Ignition on AWS is not gunzipped: a bigger config boots from a pointer (ignition.configUrlBase).
      const fits = raw <= EC2_USER_DATA_LIMIT ? 'yes' : format === 'Ignition' ? 'NO: pointer config' : gz <= EC2_USER_DATA_LIMIT ? 'gzipped only' : 'NO';
      lines.push(`| ${example} | ${p.node.name} | ${role} | ${format} | ${raw} | ${gz} | ${fits} |`);
    }
  }
  return lines;
}

const MATRIX_BASELINE = 'debian-containerd-calico';

/** The gzipped first-control-plane payload of every matrix scenario; a throwaway bundle each (sizes do not depend on key bytes). */
async function benchMatrix(): Promise<string[]> {
  const dir = new URL('../../test/matrix/', import.meta.url);
  const names = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const sizes = new Map<string, { model: ClusterModel; gz: number }>();
  for (const name of names) {
    const model = compileSpec(readFileSync(new URL(`${name}/cluster.yaml`, dir), 'utf8'), `${name}.yaml`);
    const { bundle } = await prepareBundle(model, undefined, 'bench', NOW);
    const r = await render(model, bundle);
    const first = r.plans.find((p) => p.node.isFirstControlPlane)!;
    sizes.set(name, { model, gz: gzipPayload(r.payloads.get(first.node.name)!).length });
  }
  const base = sizes.get(MATRIX_BASELINE)!.gz;
  const lines = [
    `## First control plane payload per matrix scenario (gzip bytes; baseline ${MATRIX_BASELINE}, same run)`,
    '',
    '| scenario | os | runtime | network | gzip bytes | vs baseline | fits EC2 16 KiB |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [name, { model, gz }] of sizes) {
    const cp = model.nodes.find((n) => n.isFirstControlPlane)!;
    const net = model.network.plugin + (model.network.multus ? '+multus' : '');
    const delta = gz - base;
    // Ignition does not gunzip user data: such nodes boot from a pointer config (configUrlBase) instead.
    const fits = usesIgnition(cp.os) ? 'Ignition: pointer config' : gz <= EC2_USER_DATA_LIMIT ? 'yes' : 'NO';
    lines.push(`| ${name} | ${cp.os} | ${model.containerRuntime.name} ${model.containerRuntime.version} | ${net} | ${gz} | ${delta >= 0 ? '+' : ''}${delta} | ${fits} |`);
  }
  return lines;
}

const sections = [await benchPki(), await benchRender(), await benchSizes(), await benchMatrix()];
const report = `${sections.map((s) => s.join('\n')).join('\n\n')}\n`;
process.stdout.write(report);
if (process.argv.includes('--write')) writeFileSync(new URL('../../bench.md', import.meta.url), report);
