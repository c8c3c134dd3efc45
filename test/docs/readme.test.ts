import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assembleCatalog } from '../../src/catalog.js';
import { RULES } from '../../src/checks/registry.js';
import { TABLE_END, TABLE_START, rulesTable } from '../../src/docs/rules-table.js';
import { REPO_ROOT } from '../support/run-action.js';

const README = join(REPO_ROOT, 'README.md');

describe('the README', () => {
  it('has the table of every built-in rule, as the registry and the shipped agents say', async () => {
    const { agents } = await assembleCatalog([], true);
    const table = rulesTable([...RULES.values()], agents);
    const readme = readFileSync(README, 'utf8');
    const start = readme.indexOf(TABLE_START);
    const end = readme.indexOf(TABLE_END);
    expect(start, 'README.md has no rules-table markers').toBeGreaterThanOrEqual(0);
    const current = readme.slice(start, end + TABLE_END.length);
    if (process.env.UPDATE_README && current !== table) {
      writeFileSync(README, readme.slice(0, start) + table + readme.slice(end + TABLE_END.length));
      return;
    }
    expect(current, 'the rules table is out of date: run UPDATE_README=1 npx vitest run test/docs').toBe(table);
  });

  it('explains every rule: what it catches, why it matters and the remedy', () => {
    const missing = [...RULES.values()].filter((r) => !r.summary || !r.why || !r.remedy).map((r) => r.id);
    expect(missing).toEqual([]);
  });

  it('documents every action input and output', () => {
    const action = readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8');
    const readme = readFileSync(README, 'utf8');
    const names = [...action.matchAll(/^ {2}([a-z][a-z-]*):\s*$/gm)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(readme, `README does not mention ${name}`).toContain(`| \`${name}\` |`);
  });
});
