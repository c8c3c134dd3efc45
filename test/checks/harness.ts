import { expect } from 'vitest';
import type { Rule, RuleHit } from '../../src/checks/types.js';
import type { ChangedFile } from '../../src/changeset/types.js';
import { prInfo } from '../changeset/git-diff.js';

/** The rule's hits on one file, as a change of that file alone; the rule must apply to the file. */
export function hitsOf(rule: Rule): (file: ChangedFile) => RuleHit[] {
  return (file) => {
    expect(rule.appliesTo(file)).toBe(true);
    return rule.check(file, { pr: prInfo(), files: [file], skipped: [] });
  };
}

/** The rule's hits on one file, none when the rule does not apply to it (as the runner does). */
export function hitsIfApplies(rule: Rule): (file: ChangedFile) => RuleHit[] {
  return (file) => (rule.appliesTo(file) ? rule.check(file, { pr: prInfo(), files: [file], skipped: [] }) : []);
}

/** The one hit `hitsOn` finds on a file; fails when there is not exactly one. */
export function onlyHitOf(hitsOn: (file: ChangedFile) => RuleHit[]): (file: ChangedFile) => RuleHit {
  return (file) => {
    const hits = hitsOn(file);
    expect(hits).toHaveLength(1);
    const [hit] = hits;
    if (!hit) throw new Error('no hit');
    return hit;
  };
}
