/** An in-memory PasscodeStorage whose `items` the test can read; `async` answers with promises. */
export function memoryStorage(async = false) {
  const items = new Map<string, string>();
  const wrap = <T>(v: T) => (async ? Promise.resolve(v) : v);
  return {
    items,
    getItem: (k: string) => wrap(items.get(k) ?? null),
    setItem: (k: string, v: string) => wrap(void items.set(k, v)),
    removeItem: (k: string) => wrap(void items.delete(k)),
  };
}
