/**
 * A classification of paths remembered per path. The rules ask the same questions of the same path
 * many times over (is it a test? which side of the ML system? docs or source?), each a regex or a
 * set of globs; a map lookup answers the repeats. The memory is dropped whole past `limit` paths, so
 * a long-lived process (the test suite, a CLI run over many changes) stays bounded.
 */
export function memoByPath<T>(classify: (path: string) => T, limit = 50_000): (path: string) => T {
  const known = new Map<string, T>();
  return (path) => {
    const answer = known.get(path);
    if (answer !== undefined || known.has(path)) return answer as T;
    if (known.size >= limit) known.clear();
    const fresh = classify(path);
    known.set(path, fresh);
    return fresh;
  };
}

/**
 * `read` remembered per object (a file, a change): made once however many rules ask, and dropped
 * with the object. A remembered `undefined` is told from a missing one with `has`.
 */
export function memoByObject<K extends object, V>(read: (key: K) => V): (key: K) => V {
  const known = new WeakMap<K, V>();
  return (key) => {
    const answer = known.get(key);
    if (answer !== undefined || known.has(key)) return answer as V;
    const fresh = read(key);
    known.set(key, fresh);
    return fresh;
  };
}
