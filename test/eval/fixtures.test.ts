/**
 * The evaluation set itself: every fixture is well-formed, its diff is a consistent unified diff,
 * and every expected finding points at something the diff shows (a changed file; for a finding with
 * a line, an added line of that file), with a rule id and severity from the planned catalogue.
 */
import { describe, expect, it } from 'vitest';
import { AGENT_NAMES, PLANNED, PLANNED_RULES } from '../../eval/catalogue.js';
import { changeSetOf, loadFixtures } from '../../eval/harness.js';

const fixtures = loadFixtures();

describe('the PR evaluation set', () => {
  it('has at least 40 pull requests, at least 10 of them quiet', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
    expect(fixtures.filter((f) => f.expected.findings.length === 0).length).toBeGreaterThanOrEqual(10);
  });

  it('expects every planned rule in at least one pull request', () => {
    const used = new Set(fixtures.flatMap((f) => f.expected.findings.map((e) => e.rule)));
    expect(PLANNED_RULES.map((r) => r.id).filter((id) => !used.has(id))).toEqual([]);
  });

  it('names fixture folders NN-slug, uniquely numbered', () => {
    for (const f of fixtures) expect(f.slug).toMatch(/^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$/);
    const numbers = fixtures.map((f) => f.slug.slice(0, 2));
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  describe.each(fixtures.map((f) => [f.slug, f] as const))('%s', (_slug, fixture) => {
    const changeSet = changeSetOf(fixture);

    it('has a diff whose hunks agree with their headers', () => {
      expect(changeSet.files.length).toBeGreaterThan(0);
      for (const file of changeSet.files) {
        for (const hunk of file.hunks) {
          const oldSide = hunk.lines.filter((l) => l.kind !== 'add').length;
          const newSide = hunk.lines.filter((l) => l.kind !== 'del').length;
          expect([oldSide, newSide], `${file.path} @@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines}`).toEqual([
            hunk.oldLines,
            hunk.newLines,
          ]);
        }
      }
    });

    it('expects known agents and planned rules at their catalogued severity', () => {
      for (const agent of fixture.expected.agents) expect(AGENT_NAMES).toContain(agent);
      for (const e of fixture.expected.findings) {
        const rule = PLANNED.get(e.rule);
        expect(rule, `unknown rule ${e.rule}`).toBeDefined();
        expect(e.severity, `${e.rule} severity`).toBe(rule?.severity);
        expect(fixture.expected.agents, `${e.rule} belongs to ${rule?.agent}, which the PR does not expect`).toContain(rule?.agent);
      }
    });

    it('points every expected finding at a changed file, and at an added line when it has one', () => {
      for (const e of fixture.expected.findings) {
        const file = changeSet.files.find((f) => f.path === e.file);
        expect(file, `${e.rule}: ${e.file} is not in the diff`).toBeDefined();
        if (e.line === undefined || !file) continue;
        const added = file.hunks.flatMap((h) => h.lines.filter((l) => l.kind === 'add').map((l) => l.newLine));
        expect(added, `${e.rule}: ${e.file}:${e.line} is not an added line`).toContain(e.line);
      }
    });
  });
});
