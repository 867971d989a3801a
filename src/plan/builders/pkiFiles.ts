// Control-plane nodes get kubeadm's /etc/kubernetes/pki laid out in advance (CAs, sa keys and their
// own leaf certificates), so `kubeadm init/join` uses them instead of minting its own.
// Workers get nothing here: they join with the bootstrap token and the CA public-key hash.
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';

export const PKI_DIR = '/etc/kubernetes/pki';

export const pkiFilesBuilder: Builder = {
  name: 'pkiFiles',
  build({ node, pki, plan }) {
    if (!node.isControlPlane) return;
    for (const f of pki.controlPlaneFiles(node.name)) {
      addFile(plan, {
        path: `${PKI_DIR}/${f.relPath}`,
        content: f.content,
        mode: f.secret ? 0o600 : 0o644,
        secret: f.secret,
        pki: true,
        builder: 'pkiFiles',
        origin: node.specPath,
      });
    }
  },
};
