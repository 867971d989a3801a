// secrets/ public API: create or load the bundle, then issue certificates and kubeconfigs from it.
export { createBundle, ensureLeafKeys, type CreateBundleOptions } from './bundle.js';
export { bundleFromFiles, bundleToFiles, type BundleFile } from './bundleFiles.js';
export { issuePki, leafKeyNames } from './issue.js';
export type { IssuedCertificate, IssuedPki, PemPair, PkiFile, SecretsBundle } from './types.js';
