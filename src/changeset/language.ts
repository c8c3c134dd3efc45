/** The language of a file, by name: what the router and the checks switch on. */

const BY_EXTENSION: Record<string, string> = {
  py: 'python', pyi: 'python',
  ts: 'typescript', tsx: 'typescript', mts: 'typescript', cts: 'typescript',
  js: 'javascript', jsx: 'javascript', mjs: 'javascript', cjs: 'javascript',
  go: 'go', java: 'java', kt: 'kotlin', rb: 'ruby', rs: 'rust', cs: 'csharp',
  tf: 'terraform', hcl: 'terraform',
  yml: 'yaml', yaml: 'yaml', json: 'json', toml: 'toml',
  md: 'markdown', mdx: 'markdown', rst: 'restructuredtext', txt: 'text',
  sh: 'shell', bash: 'shell', sql: 'sql', proto: 'protobuf',
};

export function languageOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (/^Dockerfile(\..+)?$/i.test(name) || /\.dockerfile$/i.test(name)) return 'dockerfile';
  if (/^requirements.*\.(txt|in)$/i.test(name)) return 'requirements';
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return 'other';
  return BY_EXTENSION[name.slice(dot + 1).toLowerCase()] ?? 'other';
}
