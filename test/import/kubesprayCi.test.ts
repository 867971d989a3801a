// Kubespray's own CI scenarios (tests/files/*.yml) and its sample inventory with the example hosts
// un-commented, through `kspray import kubespray` as a user runs it. Each one either imports and
// renders, with every payload passing the real validators and the scenario's main choices found in
// the rendered files, or is refused with exit 2 naming the variable at its file:line and writing
// nothing. The expected values below are read from the scenario's variables with Kubespray's
// defaults, not from kspray's table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { compileSpec, prepareBundle, render, payloadFormat, type Rendered } from '../../src/render.js';
import type { ClusterModel } from '../../src/model/model.js';
import { readTree } from '../../src/io/files.js';
import { ciInventory, ciScenario, ciScenarioNames, osOfCloudImage, upstreamDir } from '../helpers/kubesprayCi.js';
import { runCli } from '../helpers/runCli.js';
import { assertImportable, formatReport, importKubespray, importToYaml } from '../../src/import/kubespray.js';
import { reportError } from '../../src/cli/report.js';
import type { OsName } from '../../src/api/v1alpha1/types.js';
import { END_OF_LIFE } from '../../src/api/v1alpha1/endOfLife.js';
import { FIXED_NOW } from '../helpers/fixtures.js';
import { cloudInitRoot, cloudInitSchema, haveTool, ignitionValidate } from '../helpers/validators.js';
import { run } from '../secrets/tools.js';

interface Case {
  name: string;
  files: Map<string, string>;
  os?: string;
  /** Kubespray variables of the scenario (common_vars under them), for the expected values. */
  vars: Record<string, unknown>;
  etcdHosts: string[];
}

const commonVars = parse(readFileSync(join(upstreamDir, 'tests', 'common_vars.yml'), 'utf8')) as Record<string, unknown>;

function ciCases(): Case[] {
  return ciScenarioNames().map((name) => {
    const s = ciScenario(name);
    const etcdHosts = s.layout.flatMap((groups, i) => (groups.includes('etcd') ? [`instance-${i + 1}`] : []));
    return { name, files: s.files, os: osOfCloudImage(s.cloudImage), vars: { ...commonVars, ...s.vars }, etcdHosts };
  });
}

/** inventory/sample as a user starts from it: the example hosts of inventory.ini un-commented. */
function sampleCase(): Case {
  const files = readTree(join(upstreamDir, 'inventory', 'sample'))!;
  const ini = files.get('inventory.ini')!.replace(/^# (node\d) ansible_host=(\S+)\s+# ip=(\S+)(?: etcd_member_name=(\S+))?$/gm, (_m, host, ah, ip, member) => `${host} ansible_host=${ah} ip=${ip}${member ? ` etcd_member_name=${member}` : ''}`);
  expect(ini).toMatch(/^node6 ansible_host=/m);
  files.set('inventory.ini', ini);
  return { name: 'inventory/sample', files, vars: {}, etcdHosts: ['node1', 'node2', 'node3'] };
}

const CASES = [...ciCases(), sampleCase()];
const outcome = new Map<string, { status: number | null; stderr: string; text?: string }>();
const work = mkdtempSync(join(tmpdir(), 'kspray-kubespray-ci-'));

/** What `kspray import kubespray DIR -o cluster.yaml` does, in this process (the CLI is run below for a few). */
function importLikeCli(c: Case): { status: number; stderr: string; text?: string } {
  let stderr = '';
  try {
    const result = importKubespray(c.files, c.name, { name: 'ci', ...(c.os ? { os: c.os as OsName } : {}) });
    assertImportable(result);
    return { status: 0, stderr: formatReport(result.report), text: importToYaml(result, c.name) };
  } catch (e) {
    return { status: reportError(e, (s) => (stderr += s)), stderr };
  }
}

function writeInventory(c: Case): string {
  const dir = join(work, c.name.replace(/\//g, '_'));
  for (const [rel, text] of c.files) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

// At collection time, so that a test is generated only for the cases it has something to check.
for (const c of CASES) outcome.set(c.name, importLikeCli(c));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Scenarios whose cloud_image is a release past its end of life: refused for the OS, not for a variable. */
const onEndOfLife = (c: Case) => c.os !== undefined && END_OF_LIFE[c.os] !== undefined;
const imported = () => CASES.filter((c) => outcome.get(c.name)?.status === 0);

describe('Kubespray CI scenarios and inventory/sample through kspray import kubespray', () => {
  it('every case either imports (exit 0) or is refused (exit 2): the counts in the README', () => {
    const ok = CASES.filter((c) => outcome.get(c.name)!.status === 0).map((c) => c.name);
    const refused = CASES.filter((c) => outcome.get(c.name)!.status === 2).map((c) => c.name);
    expect(ok.length + refused.length, JSON.stringify([...outcome].filter(([, o]) => o.status !== 0 && o.status !== 2))).toBe(CASES.length);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(`${ok.length - 1} of ${CASES.length - 1} CI scenarios`);
    expect(readme).toContain(`${refused.length} are refused with exit 2`);
    expect(ok).toContain('inventory/sample');
    console.log(`imported: ${ok.join(', ')}\nrefused: ${refused.join(', ')}`);
  });

  const refusedForVariables = CASES.filter((c) => outcome.get(c.name)!.status === 2 && !onEndOfLife(c));
  it.each(refusedForVariables.map((c) => [c.name, c] as const))('%s: a refusal names the variable at its file:line and writes nothing', (_name, c) => {
    const o = outcome.get(c.name)!;
    expect(o.text).toBeUndefined();
    expect(o.stderr).not.toMatch(/internal error|\n\s+at /);
    // "group_vars/k8s_cluster/scenario.yml:12:1: error[kubespray-refused]: <variable>: <value>: why" + "hint: ... instead";
    // a refused Kubespray default has no line to point at and says so.
    const refusals = [...o.stderr.matchAll(/^(?:(\S+?):(\d+):(\d+): )?error\[kubespray-refused\]: ([a-z0-9_]+): (.*)$/gm)];
    expect(refusals.length, o.stderr).toBeGreaterThan(0);
    for (const [, file, line, , variable, rest] of refusals) {
      if (file) expect(c.files.get(file)!.split('\n')[Number(line) - 1], `${file}:${line}`).toMatch(new RegExp(`^${variable}:`));
      else expect(rest, variable).toContain("Kubespray's default");
    }
    expect(o.stderr).toContain('Choose instead:');
  });
});

// ---- the imported ones: rendered, validated, and checked for the scenario's choices

const bundles = new Map<string, Map<string, string>>();
async function renderShared(model: ClusterModel): Promise<Rendered> {
  // One bundle per key algorithm for every case (same node names): RSA keys are slow to make.
  const existing = bundles.get(model.pki.algorithm) ?? new Map<string, string>();
  const prepared = await prepareBundle(model, existing.size ? existing : undefined, join(work, 'bundle'), FIXED_NOW);
  for (const f of prepared.newFiles) existing.set(f.relPath, typeof f.content === 'string' ? f.content : Buffer.from(f.content).toString('utf8'));
  bundles.set(model.pki.algorithm, existing);
  return render(model, prepared.bundle);
}

const kv = (c: Case, name: string, fallback: unknown) => (c.vars[name] !== undefined ? c.vars[name] : fallback);
const file = (r: Rendered, node: string, path: string) => r.plans.find((p) => p.node.name === node)!.files.get(path)?.content;

describe('the CLI on the same inventories', () => {
  it.each(['inventory/sample', 'debian11-docker', 'almalinux9-kube-ovn'])('%s: same exit code as in-process, cluster.yaml written only on success', async (name) => {
    const c = CASES.find((x) => x.name === name)!;
    const dir = writeInventory(c);
    const out = join(dir, 'cluster.yaml');
    const r = await runCli(['import', 'kubespray', dir, '-o', out, '--name', 'ci', ...(c.os ? ['--os', c.os] : [])], work);
    expect(r.status, r.stderr).toBe(outcome.get(name)!.status);
    expect(existsSync(out)).toBe(r.status === 0);
    if (r.status === 0) expect(readFileSync(out, 'utf8')).toBe(outcome.get(name)!.text!.replace(`from ${name}/`, `from ${dir}/`));
  });
});

describe('imported scenarios render, pass the validators, and carry their choices', () => {
  const rendered = new Map<string, Rendered>();
  beforeAll(async () => {
    for (const c of imported()) rendered.set(c.name, await renderShared(compileSpec(outcome.get(c.name)!.text!, `${c.name}/cluster.yaml`)));
  }, 600_000);

  it('the scenario choices are in the rendered files', () => {
    expect(rendered.size).toBeGreaterThan(0);
    for (const c of imported()) {
      const r = rendered.get(c.name)!;
      const m = r.model;
      const first = m.nodes.find((n) => n.isFirstControlPlane)!.name;
      const at = `${c.name}`;
      const plugin = String(kv(c, 'kube_network_plugin', 'calico'));
      expect(m.network.plugin, at).toBe(plugin === 'cni' ? 'none' : plugin);
      expect(m.containerRuntime.name, at).toBe(kv(c, 'container_manager', 'containerd') === 'crio' ? 'cri-o' : 'containerd');
      // etcd placement: the scenario's etcd hosts, stacked when they are the control planes.
      expect(m.nodes.filter((n) => n.isEtcd).map((n) => n.name).sort(), at).toEqual([...c.etcdHosts].sort());
      // kube-proxy mode in kubeadm's KubeProxyConfiguration, or no kube-proxy at all under Cilium's replacement.
      const kubeadm = file(r, first, '/etc/kspray/kubeadm.yaml')!;
      if (plugin === 'cilium' && kv(c, 'cilium_kube_proxy_replacement', false) === true) expect(kubeadm, at).toContain('- addon/kube-proxy');
      else expect(kubeadm, at).toMatch(new RegExp(`mode: ${String(kv(c, 'kube_proxy_mode', 'ipvs'))}\\b`));
      // Key algorithm: the apiserver certificate's public key.
      const apiserver = r.pki.certificates.find((x) => x.name === `${first}/apiserver`)!;
      const alg = String(kv(c, 'kube_asymmetric_encryption_algorithm', 'RSA-2048'));
      const text = run('openssl', ['x509', '-noout', '-text'], { input: apiserver.pem }).stdout;
      expect(text, at).toContain(alg.startsWith('RSA') ? `(${alg.slice(4)} bit)` : 'id-ecPublicKey');
      // Feature gates on the apiserver.
      for (const gate of (kv(c, 'kube_feature_gates', []) as string[])) expect(kubeadm, at).toContain(gate.replace(/=True$/i, '=true'));
      // Address families: IPv6 subnets and node addresses with ipv6_stack, none without.
      const only6 = kv(c, 'ipv4_stack', true) === false;
      expect(m.kubernetes.serviceSubnet.includes(':'), at).toBe(kv(c, 'ipv6_stack', false) === true);
      if (plugin === 'calico') {
        const calico = file(r, first, '/etc/kspray/addons/10-calico.yaml')!;
        const pool = only6 ? 'IPV6POOL' : 'IPV4POOL';
        const block = only6 ? String(kv(c, 'calico_pool_blocksize_ipv6', 122)) : String(kv(c, 'calico_pool_blocksize', 26));
        expect(calico, at).toMatch(new RegExp(`CALICO_${pool}_BLOCK_SIZE\\s+value: "${block}"`));
        const vxlan = String(kv(c, 'calico_vxlan_mode', 'Always'));
        expect(calico, at).toMatch(new RegExp(`CALICO_${pool}_VXLAN\\s+value: ${vxlan}`));
        expect(calico, at).toContain(`calico_backend: ${String(kv(c, 'calico_network_backend', 'vxlan'))}`);
      }
      // Registry mirrors: common_vars sends docker.io through mirror.gcr.io.
      const mirrors = kv(c, 'container_manager', 'containerd') === 'crio' ? c.vars.crio_registries : c.vars.containerd_registries_mirrors;
      if (mirrors) {
        const worker = m.nodes.find((n) => n.roles.includes('worker') && !n.isControlPlane) ?? m.nodes[0]!;
        const path = m.containerRuntime.name === 'cri-o' ? '/etc/containers/registries.conf.d/10-docker.io.conf' : '/etc/containerd/certs.d/docker.io/hosts.toml';
        expect(file(r, worker.name, path), `${at} ${path}`).toContain('mirror.gcr.io');
      }
      // The localhost proxy of the non-control-plane nodes.
      const worker = m.nodes.find((n) => n.roles.includes('worker') && !n.isControlPlane);
      if (worker) {
        const lb = String(kv(c, 'loadbalancer_apiserver_type', 'nginx'));
        expect(file(r, worker.name, `/etc/kubernetes/manifests/${lb === 'nginx' ? 'nginx-proxy' : 'haproxy'}.yaml`), `${at} ${lb}`).toBeDefined();
      }
    }
  });

  it('every cloud-config passes `cloud-init schema`, every Ignition config `ignition-validate`', (ctx) => {
    const root = cloudInitRoot();
    const ignition = haveTool('ignition-validate');
    if (!root && !ignition) return ctx.skip();
    const dir = mkdtempSync(join(work, 'payloads-'));
    for (const [name, r] of rendered) {
      for (const [node, payload] of r.payloads) {
        const f = join(dir, `${name.replace(/\//g, '_')}-${node}`);
        writeFileSync(f, payload);
        if (payloadFormat(r, node) === 'cloud-init') {
          if (!root) continue;
          const result = cloudInitSchema(root, f);
          expect(result.ok, `${name} ${node}: ${result.output}`).toBe(true);
        } else if (ignition) {
          const result = ignitionValidate(f);
          expect(result.ok, `${name} ${node}: ${result.output}`).toBe(true);
        }
      }
    }
  }, 600_000);

  it('every certificate passes `openssl verify -x509_strict` against its CA', () => {
    const at = String(Math.floor(FIXED_NOW.getTime() / 1000) + 3600);
    for (const [name, r] of rendered) {
      const cas = new Map(r.pki.certificates.filter((x) => x.issuer === 'self').map((x) => [x.name, x.pem]));
      const dir = mkdtempSync(join(work, 'certs-'));
      for (const cert of r.pki.certificates) {
        if (cert.issuer === 'self') continue;
        const caFile = join(dir, `${cert.issuer}.crt`);
        writeFileSync(caFile, cas.get(cert.issuer)!);
        const leaf = join(dir, 'leaf.crt');
        writeFileSync(leaf, cert.pem);
        const result = run('openssl', ['verify', '-x509_strict', '-attime', at, '-CAfile', caFile, leaf]);
        expect(result.ok, `${name} ${cert.name}: ${result.stdout}${result.stderr}`).toBe(true);
      }
    }
  });
});

// Fedora 42 reached its end of life on 2026-05-28; Kubespray's CI still boots it. Its scenarios
// keep their own OS, so each is refused for it alone (exit 2, nothing written) and pointed at
// fedora-43, and the CLI says the same for `--os fedora-42` (or for an OS it never knew).
describe('Kubespray CI scenarios on an end-of-life release', () => {
  const onFedora42 = CASES.filter(onEndOfLife);

  it('are refused for the release, pointing at the one to use instead', () => {
    expect(onFedora42.map((c) => c.name).sort()).toEqual(['fedora42-calico', 'fedora42-calico-selinux', 'fedora42-crio']);
    for (const c of onFedora42) {
      const o = outcome.get(c.name)!;
      expect(o.status, c.name).toBe(2);
      expect(o.stderr, c.name).toMatch(/error\[os-end-of-life\]: os "fedora-42" reached its end of life on 2026-05-28/);
      expect(o.stderr, c.name).toContain('hint: Use fedora-43.');
    }
  });

  it.each([
    ['fedora-42', /error\[os-end-of-life\].*\n\s+hint: Use fedora-43\./],
    ['windows-11', /error\[kubespray-import-os\]: --os windows-11 is not an OS kspray builds/],
  ])('the CLI refuses --os %s with exit 2 and writes nothing', async (os, expected) => {
    const c = CASES.find((x) => x.name === 'inventory/sample')!;
    const dir = writeInventory(c);
    const out = join(dir, `cluster-${os}.yaml`);
    const r = await runCli(['import', 'kubespray', dir, '-o', out, '--os', os], work);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(expected);
    expect(existsSync(out)).toBe(false);
  });
});

// Issue 20: the scenarios on Rocky 10, Fedora 43 and openEuler 24.03 run on their own OS (os: from
// cloud_image), no longer on kspray's default one.
describe('Kubespray CI scenarios on the distributions of issue 20', () => {
  const OWN_OS: Record<string, string> = { 'rockylinux-10-extra': 'rocky-10', 'fedora-43': 'fedora-43', 'openeuler-2403': 'openeuler-24.03' };
  const cases = CASES.filter((c) => c.name !== 'inventory/sample' && OWN_OS[ciScenario(c.name).cloudImage ?? ''] !== undefined);
  const osOfNodes = (text: string) => {
    const spec = (parse(text) as { spec: { nodes?: Array<{ os?: string }>; pools?: Array<{ os?: string }> } }).spec;
    return [...new Set([...(spec.nodes ?? []), ...(spec.pools ?? [])].map((n) => n.os))];
  };

  it('each gets os: from its cloud_image, and every node of those that import runs it', () => {
    expect(cases.map((c) => c.name).sort()).toEqual([
      'fedora43-calico-selinux',
      'fedora43-calico-swap-selinux',
      'fedora43-docker-calico',
      'fedora43-flannel-crio-collection-scale',
      'openeuler24-calico',
      'rockylinux10-cilium',
    ]);
    for (const c of cases) {
      expect(c.os, c.name).toBe(OWN_OS[ciScenario(c.name).cloudImage!]);
      const o = outcome.get(c.name)!;
      if (o.status === 0) expect(osOfNodes(o.text!), c.name).toEqual([c.os]);
    }
    // openEuler (kubelet_fail_cgroup_v1: false, SystemVerification ignored) and Fedora 43 with cri-o import.
    expect(cases.filter((c) => outcome.get(c.name)!.status === 0).map((c) => c.name).sort()).toEqual(['fedora43-flannel-crio-collection-scale', 'openeuler24-calico']);
  });

  it('the refused ones are refused for a choice kspray does not carry, never for their OS', () => {
    const refusedFor = (name: string) => [...outcome.get(name)!.stderr.matchAll(/error\[kubespray-refused\]: ([a-z0-9_]+):/g)].map((m) => m[1]).sort();
    expect(refusedFor('rockylinux10-cilium')).toEqual(['node_feature_discovery_enabled']);
    expect(refusedFor('fedora43-calico-selinux')).toEqual(['preinstall_selinux_state']);
    expect(refusedFor('fedora43-calico-swap-selinux')).toEqual(['kubelet_fail_swap_on', 'preinstall_selinux_state']);
    expect(refusedFor('fedora43-docker-calico')).toEqual(['container_manager', 'docker_registry_mirrors', 'etcd_deployment_type']);
  });

  it('openEuler renders with failCgroupV1: false and kubeadm skipping SystemVerification, every payload passing `cloud-init schema`', async (ctx) => {
    const c = cases.find((x) => x.name === 'openeuler24-calico')!;
    const r = await renderShared(compileSpec(outcome.get(c.name)!.text!, `${c.name}/cluster.yaml`));
    for (const plan of r.plans) {
      expect(plan.files.get('/etc/kspray/node.env')!.content, plan.node.name).toContain("KSPRAY_OS='openeuler-24.03'");
      expect(plan.files.get('/etc/kspray/kubeadm.yaml')!.content, plan.node.name).toMatch(/ignorePreflightErrors:\n(\s+- \S+\n)*\s+- SystemVerification\n/);
    }
    const first = r.model.nodes.find((n) => n.isFirstControlPlane)!.name;
    expect(file(r, first, '/etc/kspray/kubeadm.yaml')).toContain('failCgroupV1: false');
    const root = cloudInitRoot();
    if (!root) return ctx.skip();
    const dir = mkdtempSync(join(work, 'openeuler-'));
    for (const [node, payload] of r.payloads) {
      writeFileSync(join(dir, node), payload);
      const result = cloudInitSchema(root, join(dir, node));
      expect(result.ok, `${node}: ${result.output}`).toBe(true);
    }
  }, 120_000);

  it('rockylinux10-cilium without its Node Feature Discovery line imports and renders on rocky-10 (kernel-modules-extra, iptables-nft)', async (ctx) => {
    const s = ciScenario('rockylinux10-cilium');
    const vars = Object.fromEntries(Object.entries(s.vars).filter(([k]) => k !== 'node_feature_discovery_enabled'));
    const c: Case = { name: 'rockylinux10-cilium-without-nfd', files: ciInventory(s.layout, vars), os: osOfCloudImage(s.cloudImage), vars, etcdHosts: [] };
    const o = importLikeCli(c);
    expect(o.status, o.stderr).toBe(0);
    expect(osOfNodes(o.text!)).toEqual(['rocky-10']);
    const r = await renderShared(compileSpec(o.text!, `${c.name}/cluster.yaml`));
    expect(r.model.network.plugin).toBe('cilium');
    for (const plan of r.plans) {
      const env = plan.files.get('/etc/kspray/node.env')!.content;
      expect(env, plan.node.name).toContain("KSPRAY_KERNEL_PACKAGES='kernel-modules-extra'");
      expect(env, plan.node.name).toMatch(/KSPRAY_PACKAGES='[^']*\biptables-nft\b/);
    }
    const root = cloudInitRoot();
    if (!root) return ctx.skip();
    const dir = mkdtempSync(join(work, 'rocky10-'));
    for (const [node, payload] of r.payloads) {
      writeFileSync(join(dir, node), payload);
      const result = cloudInitSchema(root, join(dir, node));
      expect(result.ok, `${node}: ${result.output}`).toBe(true);
    }
  }, 120_000);
});
