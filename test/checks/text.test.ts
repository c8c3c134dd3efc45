import { describe, expect, it } from 'vitest';
import type { ChangedFile } from '../../src/changeset/types.js';
import { addedText, addsMention, fileText, mentions, removedText, removesMention } from '../../src/checks/text.js';

function file(content?: string): ChangedFile {
  return {
    path: 'svc/app.py',
    status: 'modified',
    language: 'python',
    additions: 2,
    deletions: 1,
    hunks: [
      {
        oldStart: 10, oldLines: 3, newStart: 10, newLines: 4, header: 'def handler(event):',
        lines: [
          { kind: 'context', text: '    client = make()', oldLine: 10, newLine: 10 },
          { kind: 'del', text: '    value = os.environ["OLD_NAME"]', oldLine: 11 },
          { kind: 'add', text: '    value = os.environ["NEW_NAME"]', newLine: 11 },
          { kind: 'add', text: '    time.sleep(1)', newLine: 12 },
        ],
      },
    ],
    ...(content === undefined ? {} : { content }),
  };
}

describe('the joined texts rules test before reading line by line', () => {
  it('keep each kind of line apart, one per line', () => {
    const f = file();
    expect(addedText(f)).toBe('    value = os.environ["NEW_NAME"]\n    time.sleep(1)');
    expect(removedText(f)).toBe('    value = os.environ["OLD_NAME"]');
    expect(fileText(f).split('\n')).toEqual([
      'def handler(event):',
      '    client = make()',
      '    value = os.environ["OLD_NAME"]',
      '    value = os.environ["NEW_NAME"]',
      '    time.sleep(1)',
    ]);
  });

  it('are made once per file object', () => {
    const f = file();
    expect(addedText(f)).toBe(addedText(f));
    const changed = { ...f, hunks: [] };
    expect(addedText(changed)).toBe('');
  });

  it('answer whether an added, removed or any line may match', () => {
    const f = file();
    expect(addsMention(f, /sleep/)).toBe(true);
    expect(addsMention(f, /OLD_NAME/)).toBe(false);
    expect(removesMention(f, /OLD_NAME/)).toBe(true);
    expect(removesMention(f, /sleep/)).toBe(false);
    expect(mentions(f, /make\(\)/)).toBe(true);
    expect(mentions(f, /^def handler/m)).toBe(true);
    // `^` and `$` with the m flag still mean a line's start and end.
    expect(addsMention(f, /^\s+time\.sleep\(1\)$/m)).toBe(true);
    expect(addsMention(f, /^time/m)).toBe(false);
  });

  it('count the head content, once read, as lines a rule may flag as added', () => {
    const f = file('import os\nimport requests\n\ndef handler(event):\n    requests.get(URL)\n');
    expect(addsMention(f, /requests\.get/)).toBe(true);
    expect(mentions(f, /^import requests$/m)).toBe(true);
    expect(addsMention(file(), /requests\.get/)).toBe(false);
  });
});
