// The CRI endpoint kubelet, kubeadm and crictl talk to, per runtime (each runtime's default socket).
import type { ClusterModel } from '../model/model.js';

const SOCKETS = { containerd: 'unix:///run/containerd/containerd.sock', 'cri-o': 'unix:///var/run/crio/crio.sock' } as const;

export const criSocket = (model: ClusterModel): string => SOCKETS[model.containerRuntime.name];
