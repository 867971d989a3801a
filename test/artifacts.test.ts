// `kspray artifacts list`: the upstream list, paired with where artifacts.mirror/registry expect
// each entry, must be exactly what the same cluster fetches when those are set. Checked by rendering
// every scenario both ways; then the fill-the-mirror script is run against a stub curl.
import { describe, expect, it } from 'vitest';
import { tool } from './helpers/validators.js';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCENARIOS, exampleFile, renderFixture, repoRoot } from './helpers/fixtures.js';
import { compileSpec } from '../src/compileSpec.js';
import { artifactList } from '../src/artifacts/list.js';
import { offlineList, offlineScript, type OfflineList } from '../src/artifacts/offline.js';
import { upgradeJob } from '../src/lifecycle/upgradeJobs.js';
import { runsKubernetes } from '../src/model/model.js';
import { parse as parseYaml } from 'yaml';

const MIRROR = 'https://mirror.internal/k8s';
const REGISTRY = 'registry.internal:5000';
const cli = join(repoRoot, 'dist', 'cli', 'main.js');
const tmp = () => mkdtempSync(join(tmpdir(), 'kspray-artifacts-'));

/** The scenario's spec without, and with, an air-gap configuration. */
function specs(name: string): { upstream: string; airgapped: string } {
  const text = readFileSync(exampleFile(name), 'utf8').replace(/^ {2}artifacts:.*\n(?: {4}.*\n)*/m, '');
  const airgapped = text.replace(/^spec:\n/m, `spec:\n  artifacts: { mirror: "${MIRROR}", registry: "${REGISTRY}" }\n`);
  return { upstream: text, airgapped };
}

describe.each(SCENARIOS)('artifacts of %s', (name) => {
  it('maps every upstream file and image to exactly what the air-gapped cluster fetches', async () => {
    const { upstream, airgapped } = specs(name);
    const up = compileSpec(upstream, `${name}.yaml`);
    const air = compileSpec(airgapped, `${name}.yaml`);
    const list = offlineList(up.name, up.kubernetes.version, artifactList(await renderFixture(up)), air.artifacts);
    const fetched = artifactList(await renderFixture(air));

    expect(list.files.length).toBeGreaterThan(0);
    for (const f of list.files) {
      expect(f.url, 'upstream downloads are https').toMatch(/^https:\/\//);
      expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(f.nodes.length).toBeGreaterThan(0);
    }
    expect(list.files.map((f) => [f.mirrorUrl, f.sha256]).sort()).toEqual(fetched.files.map((f) => [f.url, f.sha256]).sort());
    expect(list.files.map((f) => `${MIRROR}/${f.mirrorPath}`).sort()).toEqual(fetched.files.map((f) => f.url).sort());

    for (const i of list.images) expect(i.image, 'pinned by tag').toMatch(/^[a-z0-9.-]+(:\d+)?\/[^:@\s]+[:@][^\s]+$/);
    // Not one image of the air-gapped cluster escapes the registry.
    for (const i of fetched.images) expect(i.image.startsWith(`${REGISTRY}/`), i.image).toBe(true);
    expect(list.images.map((i) => i.pulledAs).sort()).toEqual(fetched.images.map((i) => i.image).sort());
  });
});

describe('artifacts list content', () => {
  // An air-gapped cluster must also be able to run `kspray upgrade --apply`: its per-node Job's image
  // is the localhost proxy's nginx, which a kube-vip or external-LB cluster pulls nowhere else.
  it('names the upgrade Job image for every kubelet node, also without the localhost proxy', async () => {
    for (const name of ['kube-vip', 'external-lb', 'ha']) {
      const model = compileSpec(specs(name).airgapped, `${name}.yaml`);
      const list = artifactList(await renderFixture(model));
      const node = model.nodes.find((n) => n.kind === 'node' && !n.isControlPlane) ?? model.nodes[0]!;
      const jobImage = (parseYaml(upgradeJob(model, node, model.kubernetes.version, 'node')) as any).spec.template.spec.containers[0].image as string;
      const entry = list.images.find((i) => i.image === jobImage);
      expect(entry, `${name}: ${jobImage}`).toBeDefined();
      expect(entry!.nodes.sort()).toEqual(model.nodes.filter((n) => runsKubernetes(n)).map((n) => n.name).sort());
    }
  });


  it('names the kubeadm images, stacked etcd pinned to the catalog, and drops the etcd image with external etcd', async () => {
    const ha = artifactList(await renderFixture(compileSpec(readFileSync(exampleFile('ha'), 'utf8'), 'ha.yaml')));
    const model = compileSpec(readFileSync(exampleFile('ha'), 'utf8'), 'ha.yaml');
    const images = ha.images.map((i) => i.image);
    for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy']) expect(images).toContain(`registry.k8s.io/${c}:v${model.kubernetes.version}`);
    expect(images).toContain(`quay.io/coreos/etcd:v${model.versions.etcd}`);
    expect(images).toContain(model.images.pause);
    const apiserver = ha.images.find((i) => i.image.includes('kube-apiserver'))!;
    expect(apiserver.nodes).toEqual(model.nodes.filter((n) => n.isControlPlane).map((n) => n.name));

    const ext = artifactList(await renderFixture(compileSpec(readFileSync(exampleFile('external-etcd'), 'utf8'), 'e.yaml')));
    expect(ext.images.some((i) => i.image.includes('/etcd:'))).toBe(false);
    expect(ext.files.some((f) => /etcd-v[\d.]+-linux-amd64\.tar\.gz$/.test(f.url))).toBe(true);
  });
});

describe('the fill-the-mirror script', () => {
  const content = 'a release tarball\n';
  const sha = createHash('sha256').update(content).digest('hex');
  const list = (digest: string): OfflineList => ({
    cluster: 't',
    kubernetes: '1.36.4',
    files: [{ url: 'https://example.com/rel/v1/tool.tgz', sha256: digest, mirrorPath: 'example.com/rel/v1/tool.tgz', nodes: ['cp-1'] }],
    images: [{ image: 'quay.io/calico/node:v3.31.7', nodes: ['cp-1'] }],
  });
  /** Runs the script with stub curl/skopeo on PATH that log their arguments. */
  function run(script: string, env: Record<string, string> = {}) {
    const dir = tmp();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'curl'), `#!/bin/bash\nprintf '%s\\n' "$*" >>"${dir}/calls"\nwhile [[ $1 != -o ]]; do shift; done\nprintf '${content.replace('\n', '\\n')}' >"$2"\n`);
    writeFileSync(join(bin, 'skopeo'), `#!/bin/bash\nprintf 'skopeo %s\\n' "$*" >>"${dir}/calls"\n`);
    chmodSync(join(bin, 'curl'), 0o755);
    chmodSync(join(bin, 'skopeo'), 0o755);
    writeFileSync(join(dir, 'fill.sh'), script);
    const res = spawnSync('bash', [join(dir, 'fill.sh')], { cwd: dir, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env } });
    const calls = () => (existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8') : '');
    return { ...res, dir, calls };
  }

  it('passes shellcheck', () => {
    const dir = tmp();
    writeFileSync(join(dir, 's.sh'), offlineScript(list(sha), REGISTRY));
    const r = spawnSync(tool('shellcheck'), [join(dir, 's.sh')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('fetches into the files_repo layout, verified, copies images to the registry, and fetches nothing twice', () => {
    const r = run(offlineScript(list(sha), REGISTRY), { MIRROR_DIR: 'm' });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(r.dir, 'm/example.com/rel/v1/tool.tgz'), 'utf8')).toBe(content);
    expect(r.calls()).toContain(`skopeo copy --all --retry-times 3 docker://quay.io/calico/node:v3.31.7 docker://${REGISTRY}/calico/node:v3.31.7`);
    const again = spawnSync('bash', [join(r.dir, 'fill.sh')], { cwd: r.dir, encoding: 'utf8', env: { ...process.env, PATH: `${join(r.dir, 'bin')}:${process.env.PATH}`, MIRROR_DIR: 'm' } });
    expect(again.status).toBe(0);
    expect(r.calls().split('\n').filter((l) => l.includes('https://example.com/'))).toHaveLength(1);
  });

  it('refuses a file whose sha256 does not match, leaving nothing in the mirror', () => {
    const r = run(offlineScript(list('0'.repeat(64))), { MIRROR_DIR: 'm' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('sha256 mismatch: https://example.com/rel/v1/tool.tgz');
    expect(existsSync(join(r.dir, 'm/example.com/rel/v1/tool.tgz'))).toBe(false);
  });
});

describe('kspray artifacts list (CLI)', () => {
  const kspray = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: 'utf8' });

  it('prints text and JSON on stdout and writes nothing', () => {
    const text = kspray(['artifacts', 'list', '-f', exampleFile('single')]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^# cluster single, kubernetes [\d.]+: \d+ files, \d+ images$/m);
    expect(text.stdout).toMatch(/^https:\/\/dl\.k8s\.io\/\S+\/kubelet\tsha256:[0-9a-f]{64}\tdl\.k8s\.io\/\S+\/kubelet$/m);
    const json = JSON.parse(kspray(['artifacts', 'list', '-f', exampleFile('single'), '--format', 'json']).stdout) as OfflineList;
    expect(json.cluster).toBe('single');
    expect(json.images.length).toBeGreaterThan(5);
  });

  it('refuses an unknown --format with exit 2', () => {
    const r = kspray(['artifacts', 'list', '-f', exampleFile('single'), '--format', 'yaml']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('text, json, script');
  });
});
