import type { FakeFile } from './fake-github.js';

/** The files of a `git diff` as the pull request files API lists them: GitHub's `patch` is the hunks only. */
export function fakeFilesFromDiff(diff: string): FakeFile[] {
  return diff
    .split(/^(?=diff --git )/m)
    .filter((section) => section.startsWith('diff --git '))
    .map((section) => {
      const filename = /^\+\+\+ b\/(.+)$/m.exec(section)?.[1] ?? /^diff --git a\/\S+ b\/(\S+)/.exec(section)?.[1] ?? '';
      const removed = /^\+\+\+ \/dev\/null$/m.test(section);
      const added = /^--- \/dev\/null$/m.test(section);
      const hunkStart = section.indexOf('\n@@');
      const patch = hunkStart >= 0 ? section.slice(hunkStart + 1).replace(/\n$/, '') : undefined;
      const lines = patch?.split('\n') ?? [];
      const additions = lines.filter((l) => l.startsWith('+')).length;
      const deletions = lines.filter((l) => l.startsWith('-')).length;
      const name = removed ? (/^--- a\/(.+)$/m.exec(section)?.[1] ?? filename) : filename;
      return {
        filename: name,
        status: added ? 'added' : removed ? 'removed' : 'modified',
        additions,
        deletions,
        changes: additions + deletions,
        ...(patch === undefined ? {} : { patch }),
      };
    });
}
