// A whole process that makes the HA example's PKI (3 CAs, the service-account key, every leaf key and
// certificate) with kspray's code, writing nothing, and prints the CPU of that stage alone as JSON.
import { readFileSync } from 'node:fs';
import { compileSpec } from '../compileSpec.js';
import { createBundle, ensureLeafKeys, issuePki, leafKeyNames } from '../secrets/index.js';
import type { PkiAlgorithm } from '../api/v1alpha1/types.js';

const algorithm = process.argv[2] as PkiAlgorithm;
const ha = readFileSync(new URL('../../examples/ha/cluster.yaml', import.meta.url), 'utf8');
const model = compileSpec(ha.replace(/algorithm: ECDSA-P256/, `algorithm: ${algorithm}`), 'ha.yaml');
const now = new Date('2026-01-01T00:00:00Z');
const c0 = process.cpuUsage();
const bundle = await createBundle({ clusterName: model.name, algorithm, caValidityDays: model.pki.caValidityDays, now });
await ensureLeafKeys(bundle, leafKeyNames(model), now);
const pki = await issuePki(model, bundle);
const c = process.cpuUsage(c0);
// +1: the service-account key pair has no certificate.
const certs = pki.certificates.length;
process.stdout.write(`${JSON.stringify({ stageCpuMs: Math.round((c.user + c.system) / 1000), keys: certs + 1, certs })}\n`);
