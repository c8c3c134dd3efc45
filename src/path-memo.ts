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
