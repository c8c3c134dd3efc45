import type { ChangedFile } from '../changeset/types.js';
import { addedText } from '../checks/text.js';

const PY_IMPORT = /^\s*import\s+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)/;
const PY_FROM = /^\s*from\s+([\w.]+)\s+import\b/;
const JS_FROM = /(?:^|\s)(?:import|export)\s[^'"`]*?\bfrom\s*['"]([^'"]+)['"]/;
const JS_BARE = /^\s*import\s*['"]([^'"]+)['"]/;
const JS_CALL = /\b(?:require|import)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
function mayImport(text: string): boolean {
  return text.includes('import') || text.includes('require');
}
/** A line that is only a comment: `// import x from 'y'` or a block-comment line names no import. */
const JS_COMMENT = /^\s*(?:\/\/|\/\*|\*)/;

/** Modules imported by the lines a change adds (Python `import`/`from`, JS/TS `import`/`require`). */
export function importedModules(file: ChangedFile): string[] {
  const modules = new Set<string>();
  const python = file.language === 'python';
  const script = file.language === 'typescript' || file.language === 'javascript';
  // Every pattern above needs `import` or `require` on the line.
  if ((!python && !script) || !mayImport(addedText(file))) return [];
  for (const hunk of file.hunks) {
    for (const line of hunk.lines) {
      if (line.kind !== 'add' || !mayImport(line.text)) continue;
      if (python) {
        const from = PY_FROM.exec(line.text);
        if (from?.[1]) modules.add(from[1]);
        const plain = PY_IMPORT.exec(line.text);
        if (plain?.[1]) {
          for (const part of plain[1].split(',')) modules.add(part.trim().split(/\s+/)[0] ?? '');
        }
      } else if (!JS_COMMENT.test(line.text)) {
        const from = JS_FROM.exec(line.text) ?? JS_BARE.exec(line.text);
        if (from?.[1]) modules.add(from[1]);
        for (const call of line.text.matchAll(JS_CALL)) if (call[1]) modules.add(call[1]);
      }
    }
  }
  modules.delete('');
  return [...modules];
}
