// @peculiar/x509 registers its algorithm providers through tsyringe, which refuses to load
// without the Reflect metadata API (normally the `reflect-metadata` package, not a dependency
// here). This is the subset tsyringe calls, installed only when nothing provides it already.
type Metadata = Map<unknown, unknown>;
type ReflectWithMetadata = typeof Reflect & {
  defineMetadata?: (key: unknown, value: unknown, target: object) => void;
  getOwnMetadata?: (key: unknown, target: object) => unknown;
  getMetadata?: (key: unknown, target: object) => unknown;
  hasOwnMetadata?: (key: unknown, target: object) => boolean;
};

const store = new WeakMap<object, Metadata>();
const reflect = Reflect as ReflectWithMetadata;

function ownMetadata(target: object): Metadata | undefined {
  return store.get(target);
}

if (typeof reflect.getMetadata !== 'function') {
  reflect.defineMetadata = (key, value, target) => {
    const own = ownMetadata(target) ?? new Map();
    own.set(key, value);
    store.set(target, own);
  };
  reflect.getOwnMetadata = (key, target) => ownMetadata(target)?.get(key);
  reflect.hasOwnMetadata = (key, target) => ownMetadata(target)?.has(key) ?? false;
  reflect.getMetadata = (key, target) => {
    for (let t: object | null = target; t !== null; t = Object.getPrototypeOf(t) as object | null) {
      const own = ownMetadata(t);
      if (own?.has(key)) return own.get(key);
    }
    return undefined;
  };
}

export {};
