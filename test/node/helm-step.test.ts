// The node program's install-helm step (spec.addons.helm), run for real under bash with
// KSPRAY_ROOT and stub commands (curl, kubeadm, kubectl, systemctl, apt-get, modprobe, sysctl,
// swapoff, sleep) first on PATH; grep, tar and sha256sum are real, so the release tarball is really
// verified and unpacked. The earlier phases are marked done, keyed as the program keys them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_STUBS, nodeLayout, runProgram, sha256, sha256File, stubPath, stubScript, trackedTempDirs, writeFile } from '../helpers/nodeHarness.js';

const STUB = stubScript({
  curlValueOptions: ['--connect-timeout', '--max-time'],
  curlBeforeServe: '    if [[ $url == */readyz ]]; then exit 0; fi',
});
const TARBALL = 'helm-v3.18.4-linux-amd64.tar.gz';
/** What `phase` stores: sha256sum's line for the concatenated input files. */
const phaseKey = (input: string) => `${sha256(input)}  -\n`;
const tempDir = trackedTempDirs();

/** A node whose earlier phases are done; downloads.tsv has the helm line unless `withHelm` is false. */
function fixture(opts: { withHelm?: boolean; badSha?: boolean; env?: Record<string, string> } = {}) {
  const { dir, root, srv, stubs, calls } = nodeLayout(tempDir('kspray-helm-node-'), NODE_STUBS, STUB);
  // Laid out like the release: linux-<arch>/{helm,LICENSE,README.md}.
  const stage = join(dir, 'stage', 'linux-amd64');
  writeFile(join(stage, 'helm'), '#!/bin/sh\necho helm\n', 0o755);
  writeFile(join(stage, 'LICENSE'), 'Apache-2.0\n');
  writeFile(join(stage, 'README.md'), '# helm\n');
  mkdirSync(srv, { recursive: true });
  execFileSync('tar', ['-czf', join(srv, TARBALL), '-C', join(dir, 'stage'), 'linux-amd64']);
  const sha = opts.badSha ? sha256('something else') : sha256File(join(srv, TARBALL));
  const downloads = `kubeadm\thttps://dl.k8s.io/release/v1.35.4/bin/linux/amd64/kubeadm\t${sha256('kubeadm')}\n${
    opts.withHelm === false ? '' : `helm\thttps://get.helm.sh/${TARBALL}\t${sha}\n`
  }`;
  const etc = join(root, 'etc/kspray');
  writeFile(join(etc, 'downloads.tsv'), downloads);
  const phases = join(root, 'var/lib/kspray/phases');
  writeFile(join(phases, 'prepare-os.done'), phaseKey(''));
  for (const p of ['install-runtime', 'install-kubernetes']) writeFile(join(phases, `${p}.done`), phaseKey(downloads));
  const env = { KSPRAY_CLUSTER: 'demo', KSPRAY_NODE_NAME: 'cp-1', KSPRAY_ACTION: 'init', ...opts.env };
  writeFile(join(etc, 'node.env'), Object.entries(env).map(([k, v]) => `${k}='${v}'\n`).join(''), 0o600);
  writeFile(join(etc, 'kubeadm.yaml'), 'kind: InitConfiguration\n', 0o600);
  return { dir, root, calls, env: { PATH: stubPath(stubs), HOME: dir, KSPRAY_ROOT: root, CALLS: calls, SRV: srv, STUBS: stubs } };
}

function run(f: ReturnType<typeof fixture>, args: string[] = []) {
  return runProgram(f.env, args);
}

const started = (stdout: string) => [...stdout.matchAll(/^kspray: ([a-z-]+): running: started$/gm)].map((m) => m[1]);

describe('kspray-node.sh install-helm (stubbed commands)', () => {
  it('installs helm from the verified tarball into the bin dir, after install-kubernetes and before init', () => {
    const f = fixture();
    const r = run(f);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(started(r.stdout)).toEqual(['install-helm', 'init', 'cluster-addons', 'done']);
    const helm = join(f.root, 'usr/local/bin/helm');
    expect(readFileSync(helm, 'utf8')).toBe('#!/bin/sh\necho helm\n');
    expect(statSync(helm).mode & 0o777).toBe(0o755);
    // Only helm from the archive; the tarball itself is gone.
    expect(existsSync(join(f.root, 'usr/local/bin/LICENSE'))).toBe(false);
    expect(existsSync(join(f.root, 'var/cache/kspray'))).toBe(false);
    expect(r.calls.filter((c) => c.startsWith('curl ')).map((c) => c.split(' ').pop())).toEqual([`https://get.helm.sh/${TARBALL}`]);
  });

  it('is idempotent: a restart skips it and downloads nothing', () => {
    const f = fixture();
    expect(run(f, ['--only-install']).code).toBe(0);
    const again = run(f, ['--only-install']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('kspray: install-helm: done before, skipping');
    expect(started(again.stdout)).toEqual([]);
    expect(again.calls.filter((c) => c.startsWith('curl '))).toEqual([]);
  });

  it('runs at image bake (--only-install) and honours KSPRAY_BIN_DIR (Flatcar: /opt/bin)', () => {
    const f = fixture({ env: { KSPRAY_BIN_DIR: '/opt/bin' } });
    const r = run(f, ['--only-install']);
    expect(r.code).toBe(0);
    expect(started(r.stdout)).toEqual(['install-helm']);
    expect(existsSync(join(f.root, 'opt/bin/helm'))).toBe(true);
    expect(existsSync(join(f.root, 'usr/local/bin/helm'))).toBe(false);
  });

  it('refuses a tarball with the wrong checksum and installs nothing', () => {
    const f = fixture({ badSha: true });
    const r = run(f);
    expect(r.code).toBe(1);
    expect(readFileSync(join(f.root, 'var/lib/kspray/status'), 'utf8')).toMatch(
      /^phase=install-helm state=failed .*msg=download https:\/\/get\.helm\.sh\/helm-v3\.18\.4-linux-amd64\.tar\.gz: gave up after 6 tries: sha256 mismatch, refused: helm-v3\.18\.4-linux-amd64\.tar\.gz \(got [0-9a-f]{16}\.\.\.\)\n$/,
    );
    expect(existsSync(join(f.root, 'usr/local/bin/helm'))).toBe(false);
    expect(existsSync(join(f.root, 'var/lib/kspray/phases/install-helm.done'))).toBe(false);
    expect(started(r.stdout)).toEqual(['install-helm']);
  });

  it('without a helm line in downloads.tsv (workers, helm off) there is no such step', () => {
    const f = fixture({ withHelm: false });
    const r = run(f);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(started(r.stdout)).toEqual(['init', 'cluster-addons', 'done']);
    expect(existsSync(join(f.root, 'usr/local/bin/helm'))).toBe(false);
  });
});
