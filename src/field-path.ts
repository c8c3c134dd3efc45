/**
 * A zod issue's path as a reader writes it, for messages about agent files and the configuration:
 * `['agents', 'x', 'paths', 2]` → `agents.x.paths[2]`.
 */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => {
      if (typeof key === 'number') return `[${key}]`;
      const name = String(key);
      if (!/^[\w$-]+$/.test(name)) return `[${JSON.stringify(name)}]`;
      return index === 0 ? name : `.${name}`;
    })
    .join('');
}
