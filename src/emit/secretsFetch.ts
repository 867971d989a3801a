// spec.secrets.delivery fetch and aws-secrets-manager: the files that hold a credential (private keys, the bootstrap token,
// the encryption key) and the node's certificates leave the payload. A cloud-init node downloads them as one tar archive whose
// sha256 the payload pins (node program, phase `secrets`: over https, or with aws-secrets-manager as
// its Secrets Manager secret, which `kspray aws apply` stores); with fetch an Ignition node fetches
// each one itself as a remote file source with a sha512 verification hash. Either way the payload holds no key and
// no token, and the served files equal what the inline payload would have written (paths, modes, bytes).
import { createHash } from 'node:crypto';
import type { ClusterModel } from '../model/model.js';
import { addFile, newPlan, sortedFiles, type NodePlan, type PlanFile } from '../plan/nodePlan.js';
import { tarArchive } from './tar.js';
import type { ServedFile } from '../rendered.js';
import { fetchesArchive, fileSourceUrl, SECRETS_ARCHIVE } from '../plan/builders/secretsDelivery.js';

/** Where the payload pins the archive's sha256 (the node program reads it; node.env has the URL). */
export const SECRETS_PIN_PATH = '/etc/kspray/secrets.sha256';

/** Files that leave the payload with delivery fetch: every key, the token, and the certificates beside the keys. */
export const holdsCredential = (f: PlanFile): boolean => f.secret === true || f.token === true || f.pki === true;

// What render returns holds served files, so their type lives with Rendered (below emit).
export type { ServedFile };

export interface FetchSplit {
  /** What the payload is emitted from: cloud-init, the plan without the held-back files plus the pin; Ignition, the whole plan (with `remote`). */
  payloadPlan: NodePlan;
  /** The held-back files, in path order. */
  heldBack: PlanFile[];
  /** Ignition: path on the node → where Ignition fetches it. */
  remote: Map<string, string>;
  served: ServedFile[];
}


/** The archive of held-back files: paths relative to /, modes kept, path order. */
export function secretsArchive(files: PlanFile[]): Buffer {
  return tarArchive(files.map((f) => ({ path: f.path.slice(1), content: f.content, mode: f.mode })));
}

export function splitForFetch(model: ClusterModel, plan: NodePlan): FetchSplit {
  const node = plan.node.name;
  const heldBack = sortedFiles(plan).filter(holdsCredential);
  const remote = new Map<string, string>();
  // aws-secrets-manager: every node (Ignition ones too) gets the archive through the node program.
  if (!fetchesArchive(model, plan.node)) {
    const urlBase = model.secrets.urlBase!;
    // The emitter keeps every file, and writes the held-back ones as remote sources.
    for (const f of heldBack) remote.set(f.path, fileSourceUrl(urlBase, node, f.path));
    return { payloadPlan: plan, heldBack, remote, served: heldBack.map((f) => ({ relPath: `${node}/files${f.path}`, content: f.content })) };
  }
  const payloadPlan: NodePlan = { ...newPlan(plan.node), startUnits: plan.startUnits, sshAuthorizedKeys: plan.sshAuthorizedKeys, extraImages: plan.extraImages };
  for (const f of plan.files.values()) if (!holdsCredential(f)) payloadPlan.files.set(f.path, f);
  const archive = secretsArchive(heldBack);
  addFile(payloadPlan, {
    path: SECRETS_PIN_PATH,
    content: `${createHash('sha256').update(archive).digest('hex')}\n`,
    mode: 0o644,
    builder: 'secretsFetch',
    origin: ['spec', 'secrets', 'delivery'],
  });
  return { payloadPlan, heldBack, remote, served: [{ relPath: `${node}/${SECRETS_ARCHIVE}`, content: archive }] };
}
