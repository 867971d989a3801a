// Kernel settings kspray applies on every node (plan/builders/os.ts writes them). In model/ because
// the rules refuse a user sysctl that would contradict one of them.

/** Kubespray's values (preinstall 0080-system-configurations, node main.yml). */
export const KSPRAY_SYSCTLS: Array<[string, string | number]> = [
  ['net.ipv4.ip_forward', 1],
  ['net.bridge.bridge-nf-call-iptables', 1],
  ['net.bridge.bridge-nf-call-ip6tables', 1],
  ['fs.inotify.max_user_watches', 524288],
  ['fs.inotify.max_user_instances', 8192],
  // What kubelet's protectKernelDefaults insists on (kubelet refuses to start if these differ):
  ['vm.overcommit_memory', 1],
  ['vm.panic_on_oom', 0],
  ['kernel.panic', 10],
  ['kernel.panic_on_oops', 1],
  ['kernel.keys.root_maxkeys', 1000000],
  ['kernel.keys.root_maxbytes', 25000000],
];
