import { describe, expect, it } from 'vitest';
import { memoByPath } from '../../src/path-memo.js';
import { compareText } from '../../src/compare.js';

describe('memoByPath', () => {
  it('asks once per path, remembers undefined and false answers too, and forgets everything past its limit', () => {
    const asked: string[] = [];
    const sideOf = memoByPath((path: string) => {
      asked.push(path);
      return path.startsWith('serving/') ? 'serving' : undefined;
    }, 3);
    expect(sideOf('serving/app.py')).toBe('serving');
    expect(sideOf('docs/readme.md')).toBeUndefined();
    expect(sideOf('serving/app.py')).toBe('serving');
    expect(sideOf('docs/readme.md')).toBeUndefined();
    expect(asked).toEqual(['serving/app.py', 'docs/readme.md']);

    const isTest = memoByPath((path: string) => {
      asked.push(path);
      return path.includes('test');
    });
    expect(isTest('src/a.py')).toBe(false);
    expect(isTest('src/a.py')).toBe(false);
    expect(asked.filter((p) => p === 'src/a.py')).toHaveLength(1);

    // The limit (3): a fourth path clears the three remembered, so the first is asked again.
    sideOf('a');
    sideOf('b');
    expect(sideOf('serving/app.py')).toBe('serving');
    expect(asked.filter((p) => p === 'serving/app.py')).toHaveLength(2);
  });
});

describe('compareText', () => {
  it('orders by code unit, the same in every locale: upper case before lower, shorter prefix first', () => {
    expect(['b', 'B', 'a', 'ab', 'A'].sort(compareText)).toEqual(['A', 'B', 'a', 'ab', 'b']);
    expect(compareText('src/x.py', 'src/x.py')).toBe(0);
  });
});
