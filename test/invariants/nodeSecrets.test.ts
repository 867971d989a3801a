// Promises about what lands on nodes, checked on every example and matrix scenario from the payload
// as the node receives it (cloud-init write_files read as YAML 1.1, Ignition files decoded), not from
// the plan's own `secret` flags, and independent of the goldens (which UPDATE_GOLDEN=1 rewrites):
// - every file holding a private key, the bootstrap token or the encryption key is 0600 root, and
//   only at the paths its node's role allows (workers: the token in their join config, nothing else);
// - every kubeadm join pins the cluster CA by caCertHashes (sha256 of the CA's public key, computed
//   here from the CA certificate) and never skips CA verification.
import { describe, expect, it } from 'vitest';
import { createHash, X509Certificate } from 'node:crypto';
import { parse, parseAllDocuments } from 'yaml';
import { SCENARIOS, loadExample, renderFixture } from '../helpers/fixtures.js';
import { decodeIgnitionFiles } from '../helpers/ignition.js';
import type { Rendered } from '../../src/render.js';
import type { NodePlan } from '../../src/plan/nodePlan.js';

interface Delivered {
  path: string;
  content: string;
  mode: number;
  owner: string;
}

/** The files a node gets, read back from its payload the way cloud-init or Ignition writes them. */
function delivered(r: Rendered, plan: NodePlan): Delivered[] {
  const full = r.ignitionConfigs.get(plan.node.name);
  if (full === undefined) {
    const config = parse(r.payloads.get(plan.node.name)!, { version: '1.1' }) as { write_files: Array<{ path: string; content: string; permissions: string; owner: string }> };
    // cloud-init: int(str(perm), 8); a non-string here would already be a YAML 1.1 accident.
    return config.write_files.map((f) => ({ path: f.path, content: f.content, mode: parseInt(String(f.permissions), 8), owner: f.owner }));
  }
  const config = JSON.parse(full) as { storage: { files: Array<{ path: string; mode?: number; user?: { name?: string } }> } };
  const contents = decodeIgnitionFiles(full);
  // Ignition: files default to 0644 and root when mode/user are absent.
  return config.storage.files.map((f) => ({ path: f.path, content: contents.get(f.path)!, mode: f.mode ?? 0o644, owner: f.user?.name ?? 'root' }));
}

type Role = 'control-plane' | 'etcd' | 'worker';
const roleOf = (plan: NodePlan): Role => (plan.node.isControlPlane ? 'control-plane' : plan.node.isEtcd ? 'etcd' : 'worker');

/** Where each role may hold secret material (DESIGN.md §4: workers never get a private key of any CA). */
const ALLOWED: Record<Role, RegExp> = {
  'control-plane': /^(\/etc\/kubernetes\/pki\/.+\.key|\/etc\/kubernetes\/encryption-config\.yaml|\/etc\/kspray\/kubeadm\.yaml)$/,
  etcd: /^\/etc\/etcd\/pki\/(server|peer)\.key$/,
  worker: /^\/etc\/kspray\/kubeadm\.yaml$/,
};

function secretKinds(content: string, r: Rendered): string[] {
  return [
    /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(content) && 'private key',
    /client-key-data:/.test(content) && 'kubeconfig key',
    content.includes(r.pki.bootstrapToken.secret) && 'bootstrap token',
    content.includes(r.pki.encryptionKey) && 'encryption key',
  ].filter((k): k is string => k !== false);
}

/** kubeadm's --discovery-token-ca-cert-hash: sha256 over the CA certificate's SubjectPublicKeyInfo. */
function caPin(caCertPem: string): string {
  const spki = new X509Certificate(caCertPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

function kubeadmDocs(files: Delivered[]): Array<{ path: string; doc: Record<string, any> }> {
  return files
    .filter((f) => /\bkind:\s*(JoinConfiguration|InitConfiguration)\b/.test(f.content))
    .flatMap((f) => parseAllDocuments(f.content).map((d) => ({ path: f.path, doc: d.toJS() as Record<string, any> })));
}

// Rendered inside each test (memoized), not in a beforeAll: mutation testing attributes the code a
// test runs to that test, so a mutant in the emitters or builders runs only the tests that reach it.
const cache = new Map<string, Promise<Rendered>>();
const renderedScenario = (name: string): Promise<Rendered> => {
  if (!cache.has(name)) cache.set(name, renderFixture(loadExample(name)));
  return cache.get(name)!;
};

describe.each(SCENARIOS)('%s', (scenario) => {
  it('has every file holding secret material at 0600, owned by root, only where the node\'s role allows', async () => {
    const r = await renderedScenario(scenario);
    let secretFiles = 0;
    for (const plan of r.plans) {
      for (const f of delivered(r, plan)) {
        const kinds = secretKinds(f.content, r);
        if (kinds.length === 0) continue;
        secretFiles++;
        const where = `${plan.node.name}:${f.path} (${kinds.join(', ')})`;
        expect(`0${f.mode.toString(8)}`, where).toBe('0600');
        expect(f.owner.split(':')[0], where).toBe('root');
        // A control plane may also be an external etcd member (Kubespray's layout): its etcd keys are allowed too.
        const roles = plan.node.roles as string[];
        const allowed = [ALLOWED[roleOf(plan)], ...(plan.node.isEtcd ? [ALLOWED.etcd] : []), ...(roles.includes('worker') ? [ALLOWED.worker] : [])];
        expect(allowed.some((re) => re.test(f.path)), `${where} on a ${roleOf(plan)} node`).toBe(true);
        if (!plan.node.isControlPlane && !plan.node.isEtcd) expect(kinds, where).toEqual(['bootstrap token']);
      }
    }
    // Every cluster has at least one control plane carrying the CA keys: a zero here means the
    // detection above broke, not that the cluster is secret-free.
    expect(secretFiles).toBeGreaterThan(r.plans.filter((p) => p.node.isControlPlane).length);
  });

  it('pins the cluster CA in every kubeadm join (caCertHashes, no unsafe skip), and every non-first node joins', async () => {
    const r = await renderedScenario(scenario);
    const pin = caPin(r.pki.caCert);
    let joins = 0;
    let inits = 0;
    for (const plan of r.plans) {
      const files = delivered(r, plan);
      for (const f of files) {
        expect(f.content, `${plan.node.name}:${f.path}`).not.toMatch(/unsafe-?skip-?ca-?verification/i);
      }
      const docs = kubeadmDocs(files).filter(({ doc }) => doc.kind === 'JoinConfiguration' || doc.kind === 'InitConfiguration');
      if (docs.some(({ doc }) => doc.kind === 'InitConfiguration')) inits++;
      if (docs.some(({ doc }) => doc.kind === 'JoinConfiguration')) joins++;
      for (const { path, doc } of docs.filter(({ doc }) => doc.kind === 'JoinConfiguration')) {
        const bt = doc.discovery?.bootstrapToken ?? {};
        const where = `${plan.node.name}:${path}`;
        expect(doc.discovery?.file, where).toBeUndefined();
        expect(bt.caCertHashes, where).toEqual([pin]);
        expect(bt.unsafeSkipCAVerification ?? false, where).toBe(false);
      }
    }
    // One node inits (the first control plane); every other node running kubelet (all but dedicated etcd members) joins.
    expect(inits).toBe(1);
    expect(joins).toBe(r.plans.filter((p) => p.node.isControlPlane || (p.node.roles as string[]).includes('worker')).length - 1);
  });
});
