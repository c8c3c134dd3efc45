import { expect } from 'vitest';
import type { Rule, RuleHit } from '../../src/checks/types.js';
import type { ChangeSet, ChangedFile } from '../../src/changeset/types.js';
import { changeSetOf, prInfo, type FileChange } from '../changeset/git-diff.js';

const alone = (file: ChangedFile): ChangeSet => ({ pr: prInfo(), files: [file], skipped: [] });

/** The rule's hits on one file, as a change of that file alone unless `changeSet` says otherwise; the rule must apply to the file. */
export function hitsOf(rule: Rule): (file: ChangedFile, changeSet?: ChangeSet) => RuleHit[] {
  return (file, changeSet) => {
    expect(rule.appliesTo(file)).toBe(true);
    return rule.check(file, changeSet ?? alone(file));
  };
}

/** The rule's hits on one file, none when the rule does not apply to it (as the runner does). */
export function hitsIfApplies(rule: Rule): (file: ChangedFile) => RuleHit[] {
  return (file) => (rule.appliesTo(file) ? rule.check(file, alone(file)) : []);
}

/** The rule's check on one file, whether or not it would be asked (for files it must stay quiet on). */
export function checkOf(rule: Rule): (file: ChangedFile) => RuleHit[] {
  return (file) => rule.check(file, alone(file));
}

/** The rule's hits over a whole change (for rules that read other files of it), as the runner finds them. */
export function hitsOnChanges(rule: Rule): (changes: FileChange[]) => RuleHit[] {
  return (changes) => {
    const changeSet = changeSetOf(changes);
    return changeSet.files.filter((f) => rule.appliesTo(f)).flatMap((f) => rule.check(f, changeSet));
  };
}

/** The one hit `hitsOn` finds; fails when there is not exactly one. */
export function onlyHitOf<T extends unknown[]>(hitsOn: (...input: T) => RuleHit[]): (...input: T) => RuleHit {
  return (...input) => {
    const hits = hitsOn(...input);
    expect(hits).toHaveLength(1);
    const [hit] = hits;
    if (!hit) throw new Error('no hit');
    return hit;
  };
}
