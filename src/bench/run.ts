// `npm run bench`: whole processes of the real CLI (dist/cli/main.js), each case interleaved with its
// baseline (A B A B …) so both see the same machine load, min/median/max of CPU (user+sys) and wall,
// and peak RSS; then the payload sizes (in process). Writes bench.md (or --out).
//   node dist/bench/run.js [--quick] [--reps N] [--big-reps N] [--workers N] [--scale 100,1000,4997]
//                          [--out FILE] [--time /usr/bin/time] [--openssl openssl]
// 4,997 workers: with 3 control planes, the 5,000 nodes kspray accepts (spec-size rule).
// --quick (the test's mode): 1 repetition, a 20-worker "big" cluster, no RSA, no matrix.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measure, stats, type Sample, type Tools } from './measure.js';
import { bigClusterSpec } from './bigCluster.js';
import { opensslScript, type PkiCounts } from './openssl.js';
import { compileSpec, prepareBundle, render } from '../render.js';
import { gzipPayload } from '../emit/cloudInit.js';
import { EC2_USER_DATA_LIMIT } from '../emit/providers/index.js';
import type { ClusterModel } from '../model/model.js';
import type { PkiAlgorithm } from '../api/v1alpha1/types.js';
import { usesIgnition } from '../plan/osProfile.js';

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    'big-reps': { type: 'string' },
    workers: { type: 'string' },
    scale: { type: 'string' },
    out: { type: 'string' },
    time: { type: 'string', default: '/usr/bin/time' },
    openssl: { type: 'string', default: 'openssl' },
  },
});
const quick = opt.quick!;
const reps = Number(opt.reps ?? (quick ? 1 : 7));
const bigReps = Number(opt['big-reps'] ?? (quick ? 1 : 3));
const workers = Number(opt.workers ?? (quick ? 20 : 1000));
const scale = (opt.scale ?? (quick ? '10,20' : '100,1000,4997')).split(',').map(Number);
const tools: Tools = { time: opt.time!, openssl: opt.openssl! };
const root = fileURLToPath(new URL('../../', import.meta.url));
const outFile = opt.out ?? join(root, 'bench.md');
const cli = join(root, 'dist', 'cli', 'main.js');
const node = process.execPath;
const work = mkdtempSync(join(tmpdir(), 'kspray-bench-'));
const haSpec = join(root, 'examples', 'ha', 'cluster.yaml');
const started = new Date();
const loadAtStart = loadavg();

interface Case {
  label: string;
  /** The command; a function for one that changes per run (a fresh output directory). */
  argv: string[] | (() => string[]);
  /** Untimed, before every run. */
  before?: () => void;
}

const kspray = (...args: string[]): string[] => [node, cli, ...args];

/**
 * A new, never-used output directory per run, all removed with the work directory at the end. Not
 * the same directory emptied before each run: on this machine's ext4 (mounted with discard) removing
 * the previous run's 3,000 files just before a run added 0.3–1.2 s of kernel time to the next render of
 * 1,000 workers (measured: 0.55–0.6 s of sys in a never-used directory, 0.9–1.8 s after an rm), a
 * cost of the removal, not of the render.
 */
const freshDirs = (base: string) => {
  let run = 0;
  return () => join(base, String(run++));
};

/** Runs the cases in turn, `n` rounds (A B A B …); the samples of each case in order. */
function interleave(cases: Case[], n: number): Sample[][] {
  const samples: Sample[][] = cases.map(() => []);
  for (let i = 0; i < n; i++) {
    cases.forEach((c, k) => {
      c.before?.();
      samples[k]!.push(measure(tools, typeof c.argv === 'function' ? c.argv() : c.argv, work));
    });
  }
  return samples;
}

const fmt = (s: { min: number; median: number; max: number }) => `${s.min} / **${s.median}** / ${s.max}`;
/** Medians of user and of system time: the kernel's share varies most between runs of one build. */
const userSys = (samples: Sample[]) => `${stats(samples.map((s) => s.userMs)).median} / ${stats(samples.map((s) => s.sysMs)).median}`;
const mib = (kib: number) => (kib / 1024).toFixed(0);

interface Row {
  label: string;
  samples: Sample[];
}

function table(rows: Row[], ratioTo?: number): string[] {
  const lines = [
    `| case | runs | CPU ms min / **median** / max | user / sys ms (medians) | wall ms min / **median** / max | peak RSS MiB |${ratioTo === undefined ? '' : ' CPU vs baseline (median) |'}`,
    `|---|---|---|---|---|---|${ratioTo === undefined ? '' : '---|'}`,
  ];
  const base = ratioTo === undefined ? 0 : stats(rows[ratioTo]!.samples.map((s) => s.cpuMs)).median;
  for (const r of rows) {
    const cpu = stats(r.samples.map((s) => s.cpuMs));
    const wall = stats(r.samples.map((s) => s.wallMs));
    const rss = Math.max(...r.samples.map((s) => s.rssKiB));
    const ratio = ratioTo === undefined ? '' : ` ${(cpu.median / base).toFixed(2)}× |`;
    lines.push(`| ${r.label} | ${r.samples.length} | ${fmt(cpu)} | ${userSys(r.samples)} | ${fmt(wall)} | ${mib(rss)} |${ratio}`);
  }
  return lines;
}

const median = (samples: Sample[]) => stats(samples.map((s) => s.cpuMs)).median;

function pair(title: string, note: string, baseline: Case, c: Case, n = reps): { lines: string[]; ratio: number; samples: Sample[] } {
  const [b, s] = interleave([baseline, c], n);
  return { lines: [`### ${title}`, '', note, '', ...table([{ label: baseline.label, samples: b! }, { label: c.label, samples: s! }], 0)], ratio: median(s!) / median(b!), samples: s! };
}

function startup(): string[] {
  const nodeFloor: Case = { label: '`node -e 0`', argv: [node, '-e', '0'] };
  const version: Case = { label: '`kspray --version`', argv: kspray('--version') };
  const validate: Case = { label: '`kspray validate -f examples/ha/cluster.yaml`', argv: kspray('validate', '-f', haSpec) };
  const v = pair('kspray --version', 'Target: ≤ 1.5× `node -e 0`.', nodeFloor, version);
  const w = pair('kspray validate (HA example)', 'Target: ≤ 2.5× `node -e 0`.', nodeFloor, validate);
  return ['## Start-up', '', ...v.lines, '', ...w.lines];
}

function renders(): string[] {
  const version: Case = { label: '`kspray --version`', argv: kspray('--version') };
  const coldDir = freshDirs(join(work, 'cold'));
  const cold = pair('Cold render of the HA example', 'A new output directory each run: a new secrets bundle (keys generated), every file written (atomically, durably).', version, {
    label: '`kspray render -f examples/ha/cluster.yaml` (cold)',
    argv: () => kspray('render', '-f', haSpec, '-o', coldDir()),
  });
  const warmDir = join(work, 'warm');
  // Twice: the render that creates the bundle leaves no stamp (stamp/renderStamp.ts), the next one does.
  for (let i = 0; i < 2; i++) execFileSync(node, kspray('render', '-f', haSpec, '-o', warmDir).slice(1), { stdio: 'ignore' });
  const warm = pair('Warm render of the HA example', 'The same output directory, nothing changed: target ≤ 2× `kspray --version`, writing no file (answered from the render stamp).', version, {
    label: '`kspray render -f examples/ha/cluster.yaml` (warm)',
    argv: kspray('render', '-f', haSpec, '-o', warmDir),
  });
  const full = pair('Full re-render of the HA example', 'The same output directory, nothing changed, `--no-cache`: the whole pipeline runs and writes no file.', version, {
    label: '`kspray render -f examples/ha/cluster.yaml --no-cache` (warm)',
    argv: kspray('render', '-f', haSpec, '-o', warmDir, '--no-cache'),
  });
  return ['## Render of the HA example (3 control planes, 3 workers, a pool of 5; ECDSA-P256)', '', ...cold.lines, '', ...warm.lines, '', ...full.lines];
}

function big(): string[] {
  const version: Case = { label: '`kspray --version`', argv: kspray('--version') };
  const spec = join(work, `big${workers}.yaml`);
  writeFileSync(spec, bigClusterSpec(workers));
  const coldDir = freshDirs(join(work, 'big-cold'));
  const cold = pair(
    `3 control planes + ${workers} fixed workers, cold`,
    'A new output directory each run, never used before (new bundle, every file written). Target at 1,000 workers: ≤ 1,500 ms of CPU.',
    version,
    { label: `\`kspray render\` 3 CP + ${workers} workers (cold)`, argv: () => kspray('render', '-f', spec, '-o', coldDir()) },
    bigReps,
  );
  const nodeDir = join(work, 'big-node');
  execFileSync(node, kspray('render', '-f', spec, '-o', nodeDir).slice(1), { stdio: 'ignore' });
  const one = pair(
    `render --node of one worker of 3 CP + ${workers} workers`,
    'The bundle exists (from an earlier render); one worker\'s payload on stdout.',
    version,
    { label: `\`kspray render --node worker-${Math.ceil(workers / 2)}\``, argv: kspray('render', '-f', spec, '-o', nodeDir, '--node', `worker-${Math.ceil(workers / 2)}`) },
  );
  const ratio = median(one.samples) / median(cold.samples);
  const lines = ['## Big clusters', '', ...cold.lines, '', ...one.lines, '', `render --node costs ${ratio.toFixed(2)}× the cold whole render (medians of CPU).`, ''];
  // Linearity: one cold render per size (each run its own new directory), in one table.
  lines.push('### Linearity (cold, 3 CP + N workers)', '', '| N | runs | CPU ms min / **median** / max | user / sys ms (medians) | CPU ms per node (median) | wall ms median | peak RSS MiB |', '|---|---|---|---|---|---|---|');
  for (const n of scale) {
    const s = join(work, `scale${n}.yaml`);
    writeFileSync(s, bigClusterSpec(n));
    const dir = freshDirs(join(work, `scale${n}`));
    const runs = n > 1000 ? 1 : bigReps;
    const [samples] = interleave([{ label: String(n), argv: () => kspray('render', '-f', s, '-o', dir()) }], runs);
    const cpu = stats(samples!.map((x) => x.cpuMs));
    lines.push(`| ${n} | ${runs} | ${fmt(cpu)} | ${userSys(samples!)} | ${(cpu.median / (n + 3)).toFixed(2)} | ${stats(samples!.map((x) => x.wallMs)).median} | ${mib(Math.max(...samples!.map((x) => x.rssKiB)))} |`);
  }
  return lines;
}

function pki(algorithm: PkiAlgorithm, n: number): string[] {
  const pkiArgv = [node, join(root, 'dist', 'bench', 'pkiChild.js'), algorithm];
  const kCase: Case = { label: `kspray PKI (\`node dist/bench/pkiChild.js ${algorithm}\`)`, argv: pkiArgv };
  const counts = JSON.parse(measure(tools, pkiArgv, work).stdout) as PkiCounts;
  const parallel = 4; // libuv's thread pool, where WebCrypto generates kspray's keys (all requested at once)
  const scripts = join(work, 'openssl');
  mkdirSync(scripts, { recursive: true });
  const script = (p: number) => {
    const f = join(scripts, `pki-${algorithm}-${p}.sh`);
    writeFileSync(f, opensslScript(tools.openssl, algorithm, counts, p));
    return f;
  };
  const osDir = join(work, 'openssl-out');
  const inDir = () => {
    rmSync(osDir, { recursive: true, force: true });
    mkdirSync(osDir);
  };
  const cases: Case[] = [
    kCase,
    { label: `WebCrypto key generation alone, ${counts.keys} keys at once (\`node dist/bench/keygenChild.js\`)`, argv: [node, join(root, 'dist', 'bench', 'keygenChild.js'), algorithm, String(counts.keys)] },
    { label: `openssl CLI, ${parallel} processes at a time`, argv: ['bash', script(parallel), osDir], before: inDir },
    { label: 'openssl CLI, one process at a time', argv: ['bash', script(1), osDir], before: inDir },
  ];
  const samples = interleave(cases, n);
  const stage = (s: Sample[]) => stats(s.map((x) => (JSON.parse(x.stdout) as { stageCpuMs: number }).stageCpuMs));
  const k = stage(samples[0]!);
  const floor = stage(samples[1]!);
  return [
    `### ${algorithm}: ${counts.keys} keys, ${counts.certs} certificates (the HA example's PKI)`,
    '',
    ...table(cases.map((c, i) => ({ label: c.label, samples: samples[i]! }))),
    '',
    `In process (the stage alone, without start-up): kspray ${fmt(k)} ms of CPU, WebCrypto key generation ${fmt(floor)} ms: kspray is **${(k.median / floor.median).toFixed(1)}×** the key-generation floor (target: ${algorithm.startsWith('RSA') ? 'at the floor' : '≤ 10×'}).`,
  ];
}

function pkiSection(): string[] {
  const lines = ['## PKI: kspray vs the openssl CLI and the WebCrypto key-generation floor, same run', ''];
  lines.push(...pki('ECDSA-P256', reps));
  if (!quick) lines.push('', ...pki('RSA-2048', Math.max(3, Math.ceil(reps / 2))));
  return lines;
}

const NOW = new Date('2026-01-01T00:00:00Z');

async function sizes(): Promise<string[]> {
  const lines = ['## Payload sizes (in process; HA and custom examples, ECDSA-P256) vs the 16 KiB EC2 user-data limit', '', '| example | node | role | format | bytes | gzip bytes (level 6) | fits 16 KiB |', '|---|---|---|---|---|---|---|'];
  for (const example of ['ha', 'custom']) {
    const model = compileSpec(readFileSync(join(root, 'examples', example, 'cluster.yaml'), 'utf8'), `${example}.yaml`);
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
      const fits = raw <= EC2_USER_DATA_LIMIT ? 'yes' : format === 'Ignition' ? 'NO: pointer config' : gz <= EC2_USER_DATA_LIMIT ? 'gzipped only' : '**NO** (even gzipped)';
      lines.push(`| ${example} | ${p.node.name} | ${role} | ${format} | ${raw} | ${gz} | ${fits} |`);
    }
  }
  return lines;
}

const MATRIX_BASELINE = 'debian-containerd-calico';

async function matrix(): Promise<string[]> {
  const dir = join(root, 'test', 'matrix');
  const names = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const found = new Map<string, { model: ClusterModel; gz: number }>();
  for (const name of names) {
    const model = compileSpec(readFileSync(join(dir, name, 'cluster.yaml'), 'utf8'), `${name}.yaml`);
    const { bundle } = await prepareBundle(model, undefined, 'bench', NOW);
    const r = await render(model, bundle);
    const first = r.plans.find((p) => p.node.isFirstControlPlane)!;
    found.set(name, { model, gz: gzipPayload(r.payloads.get(first.node.name)!).length });
  }
  const base = found.get(MATRIX_BASELINE)!.gz;
  const lines = [`## First control plane payload per matrix scenario (gzip bytes; baseline ${MATRIX_BASELINE}, same run)`, '', '| scenario | os | runtime | network | gzip bytes | vs baseline | fits EC2 16 KiB |', '|---|---|---|---|---|---|---|'];
  for (const [name, { model, gz }] of found) {
    const cp = model.nodes.find((n) => n.isFirstControlPlane)!;
    const net = model.network.plugin + (model.network.multus ? '+multus' : '');
    const delta = gz - base;
    const fits = usesIgnition(cp.os) ? 'Ignition: pointer config' : gz <= EC2_USER_DATA_LIMIT ? 'yes' : 'NO';
    lines.push(`| ${name} | ${cp.os} | ${model.containerRuntime.name} ${model.containerRuntime.version} | ${net} | ${gz} | ${delta >= 0 ? '+' : ''}${delta} | ${fits} |`);
  }
  return lines;
}

try {
  const opensslVersion = execFileSync(tools.openssl, ['version'], { encoding: 'utf8' }).trim();
  const header = [
    '# kspray benchmark',
    '',
    `Written by \`npm run bench\`${quick ? ' --quick (one repetition: shape only, not figures to quote)' : ''}. Started ${started.toISOString()};`,
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.version}; ${opensslVersion};`,
    `load average at start: ${loadAtStart.map((l) => l.toFixed(2)).join(', ')}.`,
    '',
    'Every case is a whole process (`node dist/cli/main.js …`), run alternately with its baseline (A B A B …).',
    'CPU is user+sys of the process tree (bash `times`, from the children\'s rusage); wall includes spawning it',
    `(through GNU time and bash, a few ms); peak RSS is GNU time's %M. Repetitions: ${reps} (big clusters ${bigReps}; N > 1000 once).`,
    'A cold render writes into a directory no earlier run used; all are removed at the end (src/bench/run.ts `freshDirs` says why).',
    'The system (kernel) share of a render that writes thousands of files varies most from run to run on this VM (0.3–0.9 s',
    'at 1,000 workers for one build, higher after large deletions); user time is the steadier figure for a code change.',
  ];
  const sections = [header, startup(), renders(), big(), pkiSection(), await sizes(), ...(quick ? [] : [await matrix()])];
  const report = `${sections.map((s) => s.join('\n')).join('\n\n')}\n\nLoad average at the end: ${loadavg().map((l) => l.toFixed(2)).join(', ')}.\n`;
  writeFileSync(outFile, report);
  process.stdout.write(report);
} finally {
  rmSync(work, { recursive: true, force: true });
}
