// Runs the real node program (node/kspray-node.sh) under bash with KSPRAY_ROOT pointing at a temp
// dir and stub commands first on PATH (curl, kubeadm, kubectl, systemctl, apt-get, modprobe, sysctl,
// swapoff, sleep). The stubs log their argv; coreutils, tar, sed and sha256sum are the real ones, so
// downloads are really verified and archives really unpacked.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_STUBS, nodeLayout, runProgram, sha256File, stubPath, stubScript, trackedTempDirs, writeFile } from '../helpers/nodeHarness.js';

// Beyond the shared stub body: /readyz answers FAKE_READYZ_RC; `kubeadm join` fails FAKE_JOIN_FAILS
// times (counted in $STUBS/join-count; with FAKE_JOIN_LEAVES=1 each failure leaves the files a
// half-done real join leaves), then writes the kubelet.conf a real join leaves behind; `kubeadm
// init` exits FAKE_INIT_RC; `modprobe FAKE_MISSING_MODULE` fails (a module this kernel lacks).
const STUB = stubScript({
  curlBeforeServe: '    if [[ $url == */readyz ]]; then exit "\${FAKE_READYZ_RC:-0}"; fi',
  arms: `  modprobe) if [[ $1 == "\${FAKE_MISSING_MODULE:-}" ]]; then echo "modprobe: FATAL: Module $1 not found" >&2; exit 1; fi ;;
  kubeadm)
    if [[ $1 == init ]]; then exit "\${FAKE_INIT_RC:-0}"; fi
    if [[ $1 == join ]]; then
      n=$(( $(cat "$STUBS/join-count" 2>/dev/null || echo 0) + 1 )); echo "$n" >"$STUBS/join-count"
      if (( n <= \${FAKE_JOIN_FAILS:-0} )); then
        if [[ \${FAKE_JOIN_LEAVES:-} == 1 ]]; then
          mkdir -p "$KSPRAY_ROOT/etc/kubernetes/pki"
          echo partial >"$KSPRAY_ROOT/etc/kubernetes/kubelet.conf"
          echo partial >"$KSPRAY_ROOT/etc/kubernetes/bootstrap-kubelet.conf"
          [[ -f $KSPRAY_ROOT/etc/kubernetes/pki/ca.crt ]] || echo fetched-ca >"$KSPRAY_ROOT/etc/kubernetes/pki/ca.crt"
        fi
        echo "stub: join failed" >&2; exit 1
      fi
      mkdir -p "$KSPRAY_ROOT/etc/kubernetes"
      printf 'clusters:\\n- cluster:\\n    server: https://10.0.0.11:6443\\n  name: demo\\n' >"$KSPRAY_ROOT/etc/kubernetes/kubelet.conf"
    fi ;;`,
});
const tempDir = trackedTempDirs();

interface Fixture {
  dir: string;
  root: string;
  calls: string;
  env: NodeJS.ProcessEnv;
}

/** A node root with the payload files, a fake download server dir, and stubs on PATH. */
function fixture(nodeEnv: Record<string, string>): Fixture {
  const { dir, root, srv, stubs, calls } = nodeLayout(tempDir('kspray-node-'), NODE_STUBS, STUB);
  writeFileSync(calls, '');

  // Release artifacts, laid out like the real ones.
  const stage = join(dir, 'stage');
  for (const f of ['bin/containerd', 'bin/ctr', 'bin/containerd-shim-runc-v2', 'cni/bridge', 'cni/loopback', 'crictl/crictl']) {
    writeFile(join(stage, f), `#!/bin/sh\necho ${f}\n`, 0o755);
  }
  mkdirSync(srv, { recursive: true });
  execFileSync('tar', ['-czf', join(srv, 'containerd.tar.gz'), '-C', stage, 'bin']);
  execFileSync('tar', ['-czf', join(srv, 'cni-plugins.tgz'), '-C', join(stage, 'cni'), '.']);
  execFileSync('tar', ['-czf', join(srv, 'crictl.tar.gz'), '-C', join(stage, 'crictl'), 'crictl']);
  for (const b of ['runc.amd64', 'kubeadm', 'kubelet', 'kubectl']) writeFile(join(srv, b), `binary ${b}\n`);
  writeFile(join(srv, 'crds.yaml'), 'kind: List\n');
  writeFile(join(srv, 'app.yaml'), 'kind: Deployment\n');

  const dl: Array<[string, string]> = [
    ['kubeadm', 'kubeadm'],
    ['kubelet', 'kubelet'],
    ['kubectl', 'kubectl'],
    ['containerd', 'containerd.tar.gz'],
    ['runc', 'runc.amd64'],
    ['cni-plugins', 'cni-plugins.tgz'],
    ['crictl', 'crictl.tar.gz'],
  ];
  const etc = join(root, 'etc/kspray');
  writeFile(join(etc, 'downloads.tsv'), dl.map(([id, f]) => `${id}\thttps://files.example/x/${f}\t${sha256File(join(srv, f))}\n`).join(''));
  writeFile(
    join(etc, 'node.env'),
    Object.entries(nodeEnv)
      .map(([k, v]) => `${k}='${v}'\n`)
      .join(''),
    0o600,
  );
  writeFile(join(etc, 'kubeadm.yaml'), 'kind: InitConfiguration\n', 0o600);
  writeFile(join(etc, 'addons/20-b.yaml'), 'kind: B\n');
  writeFile(join(etc, 'addons/10-a.yaml'), 'kind: A\n');
  writeFile(
    join(etc, 'addons.tsv'),
    `30-crds.yaml\thttps://files.example/x/crds.yaml\t${sha256File(join(srv, 'crds.yaml'))}\n` +
      // A namespace column: the objects of this manifest carry none (Argo CD's install.yaml).
      `40-app.yaml\thttps://files.example/x/app.yaml\t${sha256File(join(srv, 'app.yaml'))}\tapps\n`,
  );
  writeFile(join(root, 'etc/fstab'), 'UUID=1 / ext4 defaults 0 1\n/swap.img none swap sw 0 0\n');
  writeFile(join(root, 'etc/modules-load.d/kubernetes.conf'), '# kspray\noverlay\nbr_netfilter\n');
  writeFile(join(root, 'etc/sysctl.d/99-kubernetes.conf'), 'net.ipv4.ip_forward = 1\n');

  const env = {
    PATH: stubPath(stubs),
    HOME: dir,
    KSPRAY_ROOT: root,
    CALLS: calls,
    SRV: srv,
    STUBS: stubs,
  };
  return { dir, root, calls, env };
}

function run(f: Fixture, args: string[] = [], extraEnv: Record<string, string> = {}) {
  return runProgram({ ...f.env, ...extraEnv }, args);
}

const statusOf = (f: Fixture) => readFileSync(join(f.root, 'var/lib/kspray/status'), 'utf8');
const startedPhases = (stdout: string) =>
  [...stdout.matchAll(/^kspray: ([a-z-]+): running: started$/gm)].map((m) => m[1]);
const INIT_ENV = {
  KSPRAY_CLUSTER: 'demo',
  KSPRAY_NODE_NAME: 'cp-1',
  KSPRAY_ACTION: 'init',
  KSPRAY_WAIT_FOR: '',
  KSPRAY_LOCAL_API_SERVER: '',
  // What the bootstrap builder writes for Debian/Ubuntu (osPrepareEnv); other families: prepare-os.test.ts.
  KSPRAY_PACKAGE_MANAGER: 'apt',
  KSPRAY_PACKAGES: 'conntrack socat ipset ipvsadm ebtables ethtool iptables curl ca-certificates',
};
const WORKER_ENV = {
  KSPRAY_CLUSTER: 'demo',
  KSPRAY_NODE_NAME: 'w-1',
  KSPRAY_ACTION: 'join-worker',
  KSPRAY_WAIT_FOR: 'https://10.0.0.11:6443/readyz',
  KSPRAY_LOCAL_API_SERVER: 'https://localhost:6443',
};

describe('kspray-node.sh (functional, stubbed commands)', () => {
  it('runs every phase of the first control plane in order and installs verified binaries', () => {
    const f = fixture(INIT_ENV);
    const r = run(f);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(startedPhases(r.stdout)).toEqual(['prepare-os', 'install-runtime', 'install-kubernetes', 'init', 'cluster-addons', 'done']);
    expect(r.stdout.split('\n').filter(Boolean).every((l) => l.startsWith('kspray: '))).toBe(true);

    const cmds = r.calls.filter((c) => !c.startsWith('curl ') && !c.startsWith('sleep '));
    expect(cmds).toEqual([
      'swapoff -a',
      // Packages before modules: on RHEL 10 the modules come from a package (KSPRAY_KERNEL_PACKAGES).
      'apt-get -q -o DPkg::Lock::Timeout=120 update',
      'apt-get -q -y -o DPkg::Lock::Timeout=120 install --no-install-recommends conntrack socat ipset ipvsadm ebtables ethtool iptables curl ca-certificates',
      'modprobe overlay',
      'modprobe br_netfilter',
      'sysctl --system',
      `sysctl -q -p ${f.root}/etc/sysctl.d/99-kubernetes.conf`,
      'systemctl daemon-reload',
      'systemctl enable --now containerd',
      'systemctl daemon-reload',
      'systemctl enable kubelet',
      `kubeadm init --config ${f.root}/etc/kspray/kubeadm.yaml --skip-token-print`,
      'kubectl get --raw /readyz --request-timeout=10s',
      `kubectl apply --request-timeout=120s --server-side --force-conflicts -f ${f.root}/etc/kspray/addons/10-a.yaml`,
      `kubectl apply --request-timeout=120s --server-side --force-conflicts -f ${f.root}/etc/kspray/addons/20-b.yaml`,
      `kubectl apply --request-timeout=120s --server-side --force-conflicts -f ${f.root}/etc/kspray/addons/30-crds.yaml`,
      `kubectl apply --request-timeout=120s --server-side --force-conflicts -n apps -f ${f.root}/etc/kspray/addons/40-app.yaml`,
    ]);
    // Every download went to a temp file next to its destination (atomic mv).
    const curls = r.calls.filter((c) => c.startsWith('curl '));
    expect(curls).toHaveLength(9);
    expect(curls.find((c) => c.includes('kubeadm'))).toMatch(new RegExp(`-o ${f.root}/usr/local/bin/kubeadm\\.\\w{6} `));

    for (const [p, mode] of [
      ['usr/local/bin/containerd', 0o755],
      ['usr/local/bin/ctr', 0o755],
      ['usr/local/bin/crictl', 0o755],
      ['usr/local/sbin/runc', 0o755],
      ['opt/cni/bin/bridge', 0o755],
      ['usr/local/bin/kubeadm', 0o755],
      ['usr/local/bin/kubelet', 0o755],
      ['usr/local/bin/kubectl', 0o755],
      ['etc/kspray/addons/30-crds.yaml', 0o644],
    ] as const) {
      expect(statSync(join(f.root, p)).mode & 0o777, p).toBe(mode);
    }
    expect(existsSync(join(f.root, 'var/cache/kspray'))).toBe(false);
    expect(readFileSync(join(f.root, 'etc/fstab'), 'utf8')).toBe('UUID=1 / ext4 defaults 0 1\n#/swap.img none swap sw 0 0\n');
    expect(readFileSync(join(f.root, 'var/lib/kspray/done'), 'utf8')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
    expect(statusOf(f)).toMatch(/^phase=done state=done at=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ msg=\n$/);
    expect(readdirSync(join(f.root, 'var/lib/kspray/phases')).sort()).toEqual(
      ['cluster-addons', 'done', 'init', 'install-kubernetes', 'install-runtime', 'prepare-os'].map((p) => `${p}.done`),
    );
  });

  it('runs to done when started by hand on a terminal: a phase keyed on no file never reads stdin', () => {
    // A FIFO opened read-write never reaches EOF, like a terminal nobody types into: a phase key
    // computed with `cat` and no file argument would wait on it until the harness's timeout.
    const f = fixture(INIT_ENV);
    const fifo = join(f.root, '..', 'stdin.fifo');
    execFileSync('mkfifo', [fifo]);
    const fd = openSync(fifo, 'r+');
    try {
      const r = runProgram(f.env, [], fd);
      expect(r.code).toBe(0);
      expect(startedPhases(r.stdout)).toEqual(['prepare-os', 'install-runtime', 'install-kubernetes', 'init', 'cluster-addons', 'done']);
    } finally {
      closeSync(fd);
    }
  });

  it('skips completed phases on a second run and resumes after the last marker', () => {
    const f = fixture(INIT_ENV);
    expect(run(f).code).toBe(0);

    const again = run(f);
    expect(again.code).toBe(0);
    expect(again.calls).toEqual([]);
    expect(startedPhases(again.stdout)).toEqual([]);
    expect(again.stdout).toContain('kspray: prepare-os: done before, skipping');

    // A restart after a failure in cluster-addons redoes only cluster-addons and done.
    rmSync(join(f.root, 'var/lib/kspray/phases/cluster-addons.done'));
    rmSync(join(f.root, 'var/lib/kspray/phases/done.done'));
    const resumed = run(f);
    expect(resumed.code).toBe(0);
    expect(startedPhases(resumed.stdout)).toEqual(['cluster-addons', 'done']);
    expect(resumed.calls.every((c) => c.startsWith('kubectl '))).toBe(true);
  });

  it('waits for the API, retries a failing kubeadm join, then points kubelet at the local proxy', () => {
    const f = fixture(WORKER_ENV);
    const r = run(f, [], { FAKE_JOIN_FAILS: '2' });
    expect(r.code).toBe(0);
    expect(startedPhases(r.stdout)).toEqual(['prepare-os', 'install-runtime', 'install-kubernetes', 'join', 'done']);
    const tail = r.calls.slice(r.calls.indexOf('curl -fsk --max-time 10 -o /dev/null https://10.0.0.11:6443/readyz'));
    expect(tail).toEqual([
      'curl -fsk --max-time 10 -o /dev/null https://10.0.0.11:6443/readyz',
      `kubeadm join --config ${f.root}/etc/kspray/kubeadm.yaml`,
      'systemctl stop kubelet',
      'sleep 2',
      `kubeadm join --config ${f.root}/etc/kspray/kubeadm.yaml`,
      'systemctl stop kubelet',
      'sleep 4',
      `kubeadm join --config ${f.root}/etc/kspray/kubeadm.yaml`,
      'systemctl restart kubelet',
    ]);
    expect(r.stdout).toContain('kspray: join: running: kubeadm join: try 1/10 failed, next in 2s');
    expect(readFileSync(join(f.root, 'etc/kubernetes/kubelet.conf'), 'utf8')).toContain('    server: https://localhost:6443\n');
    expect(r.calls.some((c) => c.startsWith('kubectl '))).toBe(false); // addons are the init node's job
  });

  it('waits with capped exponential backoff while the API does not answer', () => {
    const f = fixture(WORKER_ENV);
    const r = run(f, [], { FAKE_READYZ_RC: '7' });
    expect(r.code).not.toBe(0);
    const sleeps = r.calls.filter((c) => c.startsWith('sleep ')).map((c) => Number(c.split(' ')[1]));
    expect(sleeps).toHaveLength(119);
    expect(sleeps.slice(0, 6)).toEqual([2, 4, 8, 16, 30, 30]);
    expect(Math.max(...sleeps)).toBe(30);
    expect(r.stdout).toContain('kspray: join: running: waiting for https://10.0.0.11:6443/readyz: try 3/120 failed, next in 8s');
    expect(statusOf(f)).toMatch(/^phase=join state=failed at=\S+ msg=/);
    expect(r.calls.some((c) => c.startsWith('kubeadm join'))).toBe(false);
  });

  it('records state=failed with the phase name when kubeadm join keeps failing', () => {
    const f = fixture(WORKER_ENV);
    const r = run(f, [], { FAKE_JOIN_FAILS: '1000' });
    expect(r.code).toBe(1);
    expect(r.calls.filter((c) => c.startsWith('kubeadm join'))).toHaveLength(10);
    expect(statusOf(f)).toMatch(/^phase=join state=failed at=\S+ msg=kubeadm join: gave up after 10 tries\n$/);
    expect(r.stdout).toContain('kspray: join: failed: kubeadm join: gave up after 10 tries');
    const markers = readdirSync(join(f.root, 'var/lib/kspray/phases')).sort();
    expect(markers).toEqual(['install-kubernetes.done', 'install-runtime.done', 'prepare-os.done']);
    expect(existsSync(join(f.root, 'var/lib/kspray/done'))).toBe(false);

    // The next start (systemd Restart=on-failure) resumes at join.
    const retry = run(f, [], { FAKE_JOIN_FAILS: '0' });
    expect(retry.code).toBe(0);
    expect(startedPhases(retry.stdout)).toEqual(['join', 'done']);
  });

  it('refuses a download whose sha256 does not match, leaving nothing behind', () => {
    const f = fixture(INIT_ENV);
    const tsv = join(f.root, 'etc/kspray/downloads.tsv');
    const bad = readFileSync(tsv, 'utf8').replace(/^(runc\t\S+\t)[0-9a-f]{64}$/m, `$1${'0'.repeat(64)}`);
    writeFileSync(tsv, bad);
    const r = run(f);
    expect(r.code).toBe(1);
    expect(statusOf(f)).toMatch(/^phase=install-runtime state=failed at=\S+ msg=download https:\/\/files\.example\/x\/runc\.amd64: gave up after 6 tries: sha256 mismatch, refused: runc\.amd64 \(got [0-9a-f]{16}\.\.\.\)\n$/);
    expect(existsSync(join(f.root, 'usr/local/sbin/runc'))).toBe(false);
    expect(readdirSync(join(f.root, 'usr/local/sbin'))).toEqual([]); // no temp file left
    expect(r.calls.some((c) => c.startsWith('systemctl enable --now containerd'))).toBe(false);
    expect(existsSync(join(f.root, 'var/lib/kspray/phases/install-runtime.done'))).toBe(false);
  });

  it('gives up on a download that keeps failing, leaving no partial file', () => {
    const f = fixture(INIT_ENV);
    rmSync(join(f.env.SRV!, 'kubectl'));
    const r = run(f);
    expect(r.code).toBe(1);
    expect(r.calls.filter((c) => c.startsWith('curl ') && c.endsWith('/kubectl'))).toHaveLength(6);
    expect(statusOf(f)).toMatch(/^phase=install-kubernetes state=failed at=\S+ msg=download https:\/\/files\.example\/x\/kubectl: gave up after 6 tries\n$/);
    expect(readdirSync(join(f.root, 'usr/local/bin')).filter((n) => n.startsWith('kubectl'))).toEqual([]);
  });

  it('--only-install runs the install phases (no node.env needed); a booted image then skips them', () => {
    const f = fixture(INIT_ENV);
    const envFile = join(f.root, 'etc/kspray/node.env');
    const saved = readFileSync(envFile, 'utf8');
    rmSync(envFile);
    const bake = run(f, ['--only-install']);
    expect(bake.code).toBe(0);
    expect(startedPhases(bake.stdout)).toEqual(['prepare-os', 'install-runtime', 'install-kubernetes']);
    expect(bake.calls.some((c) => c.startsWith('kubeadm'))).toBe(false);

    writeFile(envFile, saved, 0o600);
    const boot = run(f);
    expect(boot.code).toBe(0);
    expect(startedPhases(boot.stdout)).toEqual(['init', 'cluster-addons', 'done']);
    // Only the addon manifests (addons.tsv) are fetched at boot: the binaries came with the image.
    expect(boot.calls.some((c) => c.startsWith('curl ') && !c.includes('crds.yaml') && !c.includes('app.yaml'))).toBe(false);
  });

  it('redoes an install phase when downloads.tsv changes, re-fetching only what differs', () => {
    const f = fixture(INIT_ENV);
    expect(run(f, ['--only-install']).code).toBe(0);
    const tsv = join(f.root, 'etc/kspray/downloads.tsv');
    const srv = f.env.SRV!;
    writeFile(join(srv, 'kubelet-new'), 'binary kubelet v2\n');
    writeFileSync(
      tsv,
      readFileSync(tsv, 'utf8').replace(/^kubelet\t.*$/m, `kubelet\thttps://files.example/x/kubelet-new\t${sha256File(join(srv, 'kubelet-new'))}`),
    );
    const r = run(f, ['--only-install']);
    expect(r.code).toBe(0);
    expect(startedPhases(r.stdout)).toEqual(['install-runtime', 'install-kubernetes']);
    expect(r.calls.filter((c) => c.startsWith('curl ')).map((c) => c.split('/').pop())).toEqual([
      'containerd.tar.gz',
      'cni-plugins.tgz',
      'crictl.tar.gz',
      'kubelet-new',
    ]);
    expect(r.stdout).toMatch(/kspray: have \/usr\/local\/bin\/kubeadm$/m);
    expect(readFileSync(join(f.root, 'usr/local/bin/kubelet'), 'utf8')).toBe('binary kubelet v2\n');
  });

  it('on Flatcar (node.env: /opt/bin, OS containerd, no package manager) configures the built-in containerd and installs nothing under /usr', () => {
    const f = fixture({ ...WORKER_ENV, KSPRAY_BIN_DIR: '/opt/bin', KSPRAY_INSTALL_CONTAINERD: 'no', KSPRAY_PACKAGE_MANAGER: 'none' });
    // What the bootstrap builder writes for Flatcar: no containerd or runc download at all.
    const tsv = join(f.root, 'etc/kspray/downloads.tsv');
    writeFileSync(tsv, readFileSync(tsv, 'utf8').replace(/^(containerd|runc)\t.*\n/gm, ''));
    const r = run(f);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(startedPhases(r.stdout)).toEqual(['prepare-os', 'install-runtime', 'install-kubernetes', 'join', 'done']);
    expect(r.calls.some((c) => c.startsWith('apt-get'))).toBe(false);
    expect(r.calls.filter((c) => c.startsWith('curl ') && !c.endsWith('/readyz')).map((c) => c.split('/').pop())).toEqual([
      'cni-plugins.tgz',
      'crictl.tar.gz',
      'kubeadm',
      'kubelet',
      'kubectl',
    ]);
    expect(r.calls).toContain('systemctl enable --now containerd');
    for (const b of ['kubeadm', 'kubelet', 'kubectl', 'crictl']) expect(statSync(join(f.root, 'opt/bin', b)).mode & 0o777, b).toBe(0o755);
    expect(existsSync(join(f.root, 'usr'))).toBe(false);
    expect(statSync(join(f.root, 'opt/cni/bin/bridge')).isFile()).toBe(true);
  });

  it('refuses to run without node.env or with an unknown action', () => {
    const f = fixture({ ...INIT_ENV, KSPRAY_ACTION: 'bogus' });
    const r = run(f);
    expect(r.code).toBe(1);
    expect(statusOf(f)).toMatch(/state=failed .*KSPRAY_ACTION must be/);
    expect(r.calls).toEqual([]);
    rmSync(join(f.root, 'etc/kspray/node.env'));
    expect(run(f).code).toBe(1);
    expect(statusOf(f)).toMatch(/state=failed .*msg=missing .*node\.env/);
    expect(run(f, ['--bogus']).code).toBe(2);
  });
});

// One test per phase marker and per check the node program makes (issue 23): each fails when that
// phase's behaviour is broken (its marker key, its refusal, its resume point, its cleanup).
describe('kspray-node.sh: each phase marker and each check', () => {
  const markers = (f: Fixture) => readdirSync(join(f.root, 'var/lib/kspray/phases')).sort();

  it('prepare-os: its marker is keyed on its sysctl and module files, so changing one redoes only prepare-os', () => {
    const f = fixture(INIT_ENV);
    expect(run(f, ['--only-install']).code).toBe(0);
    const same = run(f, ['--only-install']);
    expect(same.code).toBe(0);
    expect(same.calls).toEqual([]);

    writeFile(join(f.root, 'etc/sysctl.d/99-kubernetes.conf'), 'net.ipv4.ip_forward = 1\nnet.ipv6.conf.all.forwarding = 1\n');
    const changed = run(f, ['--only-install']);
    expect(changed.code).toBe(0);
    expect(startedPhases(changed.stdout)).toEqual(['prepare-os']);
    expect(changed.calls).toContain(`sysctl -q -p ${f.root}/etc/sysctl.d/99-kubernetes.conf`);

    writeFile(join(f.root, 'etc/modules-load.d/kubernetes.conf'), 'overlay\nbr_netfilter\nip_vs\n');
    const modules = run(f, ['--only-install']);
    expect(startedPhases(modules.stdout)).toEqual(['prepare-os']);
    expect(modules.calls).toContain('modprobe ip_vs');
  });

  it('prepare-os: a kernel module that cannot be loaded fails the phase (named by source, no value), before any download', () => {
    const f = fixture(INIT_ENV);
    const r = run(f, [], { FAKE_MISSING_MODULE: 'br_netfilter' });
    expect(r.code).toBe(1);
    expect(statusOf(f)).toMatch(/^phase=prepare-os state=failed at=\S+ msg=line \d+: modprobe "\$m"\n$/);
    expect(r.calls.some((c) => c.startsWith('curl '))).toBe(false);
    expect(existsSync(join(f.root, 'var/lib/kspray/phases/prepare-os.done'))).toBe(false);

    const fixed = run(f);
    expect(fixed.code).toBe(0);
    expect(startedPhases(fixed.stdout)[0]).toBe('prepare-os');
  });

  it('install-kubernetes: a binary already on disk is kept only if its sha256 matches; a damaged one is fetched again', () => {
    const f = fixture(INIT_ENV);
    expect(run(f, ['--only-install']).code).toBe(0);
    writeFile(join(f.root, 'usr/local/bin/kubelet'), 'damaged\n', 0o755);
    rmSync(join(f.root, 'var/lib/kspray/phases/install-kubernetes.done'));
    const r = run(f, ['--only-install']);
    expect(r.code).toBe(0);
    expect(startedPhases(r.stdout)).toEqual(['install-kubernetes']);
    expect(r.calls.filter((c) => c.startsWith('curl ')).map((c) => c.split('/').pop())).toEqual(['kubelet']);
    expect(readFileSync(join(f.root, 'usr/local/bin/kubelet'), 'utf8')).toBe('binary kubelet\n');
    expect(r.stdout).toMatch(/kspray: have \/usr\/local\/bin\/kubeadm$/m);
  });

  it('init: a failing kubeadm init leaves no init marker and no addons applied; the restart resumes at init', () => {
    const f = fixture(INIT_ENV);
    const r = run(f, [], { FAKE_INIT_RC: '1' });
    expect(r.code).toBe(1);
    expect(statusOf(f)).toMatch(/^phase=init state=failed at=\S+ msg=line \d+: kubeadm init /);
    expect(r.calls.some((c) => c.startsWith('kubectl '))).toBe(false);
    expect(markers(f)).toEqual(['install-kubernetes.done', 'install-runtime.done', 'prepare-os.done']);

    const again = run(f);
    expect(again.code).toBe(0);
    expect(startedPhases(again.stdout)).toEqual(['init', 'cluster-addons', 'done']);
    expect(again.calls.filter((c) => c.startsWith('curl ')).map((c) => c.split('/').pop())).toEqual(['crds.yaml', 'app.yaml']);
  });

  it('cluster-addons: a manifest whose sha256 is not the pinned one is refused before anything is applied; the restart redoes only cluster-addons', () => {
    const f = fixture(INIT_ENV);
    const tsv = join(f.root, 'etc/kspray/addons.tsv');
    const good = readFileSync(tsv, 'utf8');
    writeFileSync(tsv, good.replace(/^(30-crds\.yaml\t\S+\t)[0-9a-f]{64}$/m, `$1${'0'.repeat(64)}`));
    const r = run(f);
    expect(r.code).toBe(1);
    expect(statusOf(f)).toMatch(/^phase=cluster-addons state=failed at=\S+ msg=download https:\/\/files\.example\/x\/crds\.yaml: gave up after 6 tries: sha256 mismatch, refused: crds\.yaml/);
    expect(r.calls.some((c) => c.startsWith('kubectl apply'))).toBe(false);
    expect(readdirSync(join(f.root, 'etc/kspray/addons')).sort()).toEqual(['10-a.yaml', '20-b.yaml']); // no temp file left
    expect(markers(f)).toContain('init.done');
    expect(markers(f)).not.toContain('cluster-addons.done');

    writeFileSync(tsv, good);
    const again = run(f);
    expect(again.code).toBe(0);
    expect(startedPhases(again.stdout)).toEqual(['cluster-addons', 'done']);
    expect(again.calls.some((c) => c.startsWith('kubeadm '))).toBe(false);
    expect(again.calls.filter((c) => c.startsWith('kubectl apply'))).toHaveLength(4);
  });

  it('join: a failed try removes what kubeadm would refuse next time, never the certificates the payload placed', () => {
    const cp = fixture({ ...WORKER_ENV, KSPRAY_ACTION: 'join-control-plane' });
    for (const p of ['ca.crt', 'ca.key', 'sa.key']) writeFile(join(cp.root, 'etc/kubernetes/pki', p), `placed ${p}\n`, 0o600);
    const r = run(cp, [], { FAKE_JOIN_FAILS: '1000', FAKE_JOIN_LEAVES: '1' });
    expect(r.code).toBe(1);
    expect(r.calls.filter((c) => c.startsWith('kubeadm join'))).toHaveLength(10);
    expect(existsSync(join(cp.root, 'etc/kubernetes/kubelet.conf'))).toBe(false);
    expect(existsSync(join(cp.root, 'etc/kubernetes/bootstrap-kubelet.conf'))).toBe(false);
    for (const p of ['ca.crt', 'ca.key', 'sa.key']) expect(readFileSync(join(cp.root, 'etc/kubernetes/pki', p), 'utf8')).toBe(`placed ${p}\n`);

    // A worker's ca.crt is the one its failed join fetched (discovery): removed so the next try re-verifies it.
    const w = fixture(WORKER_ENV);
    expect(run(w, [], { FAKE_JOIN_FAILS: '1000', FAKE_JOIN_LEAVES: '1' }).code).toBe(1);
    expect(existsSync(join(w.root, 'etc/kubernetes/pki/ca.crt'))).toBe(false);
    expect(existsSync(join(w.root, 'etc/kubernetes/kubelet.conf'))).toBe(false);
  });

  it('done: the last phase writes the done timestamp; without its marker only it runs again', () => {
    const f = fixture(WORKER_ENV);
    expect(run(f).code).toBe(0);
    rmSync(join(f.root, 'var/lib/kspray/done'));
    rmSync(join(f.root, 'var/lib/kspray/phases/done.done'));
    const r = run(f);
    expect(r.code).toBe(0);
    expect(startedPhases(r.stdout)).toEqual(['done']);
    expect(r.calls).toEqual([]);
    expect(readFileSync(join(f.root, 'var/lib/kspray/done'), 'utf8')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
  });
});
