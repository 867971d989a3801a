// The clouds (and bare metal) kspray delivers to. Its own module, importing nothing, so that `kspray render`
// can list them in its --help without loading zod and the spec schema (a warm render loads neither).
export const PROVIDERS = ['aws', 'gce', 'azure', 'openstack', 'vsphere', 'oci', 'baremetal'] as const;
