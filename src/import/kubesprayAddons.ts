// `kspray import kubespray`: Kubespray's variables for the settings-driven addons (CoreDNS
// upstreams and external zones, dns-autoscaler, helm, local-path-provisioner, registry) →
// spec.addons. Called by kubespray.ts with its report helpers; a variable left unreported here is
// classified by kubespray.ts's generic pass (e.g. `helm_enabled: false` → ignored).
interface Helpers {
  get: (name: string) => { value: unknown; source: string } | undefined;
  mapped: (variable: string, detail: string) => void;
  unsupported: (variable: string, detail: string) => void;
  defaulted: (variable: string, detail: string) => void;
}

const isTemplate = (v: unknown) => typeof v === 'string' && v.includes('{{');
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && !isTemplate(s));
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isStr = (v: unknown): v is string => typeof v === 'string' && v !== '' && !isTemplate(v);

export function importAddons(addons: Record<string, unknown>, h: Helpers): void {
  /** Copies `variable` into `target[key]` when `ok`, reporting it either way (only if present). */
  const copy = (target: Record<string, unknown>, variable: string, key: string, ok: (v: unknown) => boolean, convert: (v: any) => unknown = (v) => v) => {
    const v = h.get(variable);
    if (!v) return;
    if (ok(v.value)) {
      target[key] = convert(v.value);
      h.mapped(variable, `addons.${key}`);
    } else h.unsupported(variable, `not written: kspray expects ${key} as a plain value`);
  };

  // CoreDNS: upstream_dns_servers and coredns_external_zones ({zones, nameservers, cache}).
  const coredns: Record<string, unknown> = {};
  copy(coredns, 'upstream_dns_servers', 'upstreamServers', isStrings);
  const ext = h.get('coredns_external_zones');
  if (ext) {
    const blocks = Array.isArray(ext.value) ? (ext.value as Array<Record<string, unknown>>) : undefined;
    if (blocks && blocks.every((b) => b && isStrings(b.zones) && isStrings(b.nameservers) && (b.cache === undefined || isInt(b.cache)))) {
      coredns.zones = blocks.flatMap((b) =>
        (b.zones as string[]).map((name) => ({ name, servers: b.nameservers, ...(b.cache !== undefined ? { cache: b.cache } : {}) })),
      );
      h.mapped('coredns_external_zones', 'addons.coredns.zones (rewrite rules are not carried over)');
    } else h.unsupported('coredns_external_zones', 'not written: expected a list of {zones, nameservers, cache}');
  }
  if (Object.keys(coredns).length > 0) addons.coredns = coredns;

  // dns-autoscaler: on by default in Kubespray (enable_dns_autoscaler: true), so on here unless turned off.
  const auto = h.get('enable_dns_autoscaler');
  if (!auto || auto.value === true) {
    const a: Record<string, unknown> = {};
    copy(a, 'dnsautoscaler_cores_per_replica', 'coresPerReplica', isInt);
    copy(a, 'dnsautoscaler_nodes_per_replica', 'nodesPerReplica', isInt);
    copy(a, 'dnsautoscaler_min_replicas', 'min', isInt);
    copy(a, 'dnsautoscaler_prevent_single_point_failure', 'preventSinglePointFailure', isBool);
    addons.dnsAutoscaler = a;
    if (auto) h.mapped('enable_dns_autoscaler', 'addons.dnsAutoscaler');
    else h.defaulted('enable_dns_autoscaler', "Kubespray's default is true: addons.dnsAutoscaler is written");
  } else if (auto.value === false) h.mapped('enable_dns_autoscaler', 'false: no addons.dnsAutoscaler');

  if (h.get('helm_enabled')?.value === true) {
    addons.helm = true;
    h.mapped('helm_enabled', 'addons.helm');
  }

  if (h.get('local_path_provisioner_enabled')?.value === true) {
    const l: Record<string, unknown> = {};
    h.mapped('local_path_provisioner_enabled', 'addons.localPathProvisioner');
    copy(l, 'local_path_provisioner_namespace', 'namespace', isStr);
    copy(l, 'local_path_provisioner_storage_class', 'storageClass', isStr);
    copy(l, 'local_path_provisioner_reclaim_policy', 'reclaimPolicy', (v) => v === 'Delete' || v === 'Retain');
    copy(l, 'local_path_provisioner_claim_root', 'claimRoot', isStr);
    // Kubespray writes it as the string "true"/"false".
    copy(l, 'local_path_provisioner_is_default_storageclass', 'defaultClass', (v) => isBool(v) || v === 'true' || v === 'false', (v) => v === true || v === 'true');
    addons.localPathProvisioner = l;
  }

  if (h.get('registry_enabled')?.value === true) {
    const r: Record<string, unknown> = {};
    h.mapped('registry_enabled', 'addons.registry');
    copy(r, 'registry_namespace', 'namespace', isStr);
    copy(r, 'registry_port', 'port', isInt);
    copy(r, 'registry_storage_class', 'storageClass', isStr);
    // Kubespray's registry_disk_size sizes the claim only with a storage class.
    if (r.storageClass !== undefined) copy(r, 'registry_disk_size', 'size', isStr);
    addons.registry = r;
  }
}
