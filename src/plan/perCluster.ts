// Builders run once per node; at 1,000 workers a file whose content depends on the cluster alone (the
// localhost proxy's nginx.conf and pod, the download list of an OS/arch) was rebuilt 1,000 times.
import type { ClusterModel } from '../model/model.js';

/**
 * `make` computed once per cluster model (and per `key` within it): a compiled model is never changed
 * after toModel, so its results can be kept for as long as the model lives (a WeakMap: not longer).
 * `make` must read nothing but the model and what the key names.
 */
export function perCluster<T>(make: (model: ClusterModel, key: string) => T): (model: ClusterModel, key?: string) => T {
  const byModel = new WeakMap<ClusterModel, Map<string, T>>();
  return (model, key = '') => {
    let byKey = byModel.get(model);
    if (!byKey) byModel.set(model, (byKey = new Map()));
    if (byKey.has(key)) return byKey.get(key)!;
    const value = make(model, key);
    byKey.set(key, value);
    return value;
  };
}
