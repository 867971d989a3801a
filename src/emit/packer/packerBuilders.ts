// The Packer builders kspray writes templates for: their own module because both the template and
// the per-cloud naming rules (names.ts) are keyed by them, and template.ts imports names.ts.
export const BUILDERS = ['amazon-ebs', 'googlecompute', 'azure-arm', 'openstack', 'vsphere-clone', 'oracle-oci', 'qemu'] as const;
export type PackerBuilder = (typeof BUILDERS)[number];
