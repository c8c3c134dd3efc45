import { describe, expect, it } from 'vitest';
import { cleanPhrase, extractMarkdown, slugify } from '../../src/agents/markdown.js';
import { AgentFileError, descriptionTriggers, parseAgent } from '../../src/agents/parse.js';

const FILE = 'agents/foo.md';
const BODY = '# Foo Reviewer\n\n## Best Practices\n- ✅ **Plan for failure**: timeouts everywhere\n';

function agentText(front: string, body = BODY): string {
  return `---\n${front}\n---\n${body}`;
}

/** Runs `parseAgent` and returns what it threw, failing the test if it did not throw. */
function errorOf(text: string): AgentFileError {
  try {
    parseAgent(text, FILE);
  } catch (error) {
    if (error instanceof AgentFileError) return error;
    throw error;
  }
  throw new Error('expected parseAgent to throw');
}

describe('parseAgent errors name the file and the field', () => {
  it('rejects a file without front matter', () => {
    const error = errorOf('# Foo\n\nNo front matter here.\n');
    expect(error.message).toBe('agents/foo.md: no YAML front matter (the file must start with ---)');
    expect(error.file).toBe(FILE);
  });

  it('rejects front matter that is never closed', () => {
    expect(errorOf('---\nname: foo\ndescription: x\n').message).toMatch(/^agents\/foo\.md: the front matter is not closed/);
  });

  it('rejects invalid YAML with the line in the file', () => {
    const error = errorOf(agentText('name: foo\nname: bar\ndescription: x'));
    expect(error.message).toBe('agents/foo.md: front matter is not valid YAML (line 3: Map keys must be unique)');
  });

  it('rejects front matter that is a list', () => {
    expect(errorOf(agentText('- name: foo')).message).toMatch(/^agents\/foo\.md: front matter must be a YAML mapping/);
  });

  it('says a missing name is required', () => {
    const error = errorOf(agentText('description: Reviews foo'));
    expect(error.message).toBe('agents/foo.md: name: required');
    expect(error.fieldPath).toBe('name');
  });

  it('reports every problem, the first one as the field', () => {
    const error = errorOf(agentText('color: red'));
    expect(error.message).toBe('agents/foo.md: name: required (also description: required)');
  });

  it('rejects a name that is not lower-case with dashes', () => {
    expect(errorOf(agentText('name: Foo Bar\ndescription: x')).message).toBe(
      'agents/foo.md: name: use lower-case letters, digits and dashes',
    );
  });

  it('rejects review.paths that is not a list', () => {
    const error = errorOf(agentText("name: foo\ndescription: x\nreview:\n  paths: '**/*.py'"));
    expect(error.message).toBe('agents/foo.md: review.paths: expected a list, got the string "**/*.py"');
    expect(error.fieldPath).toBe('review.paths');
  });

  it('names the index of a bad list item', () => {
    const error = errorOf(agentText("name: foo\ndescription: x\nreview:\n  paths: ['a', 'b', 3]"));
    expect(error.message).toBe('agents/foo.md: review.paths[2]: expected a string, got number 3');
  });

  it('rejects a review.content entry that is not a regular expression', () => {
    const error = errorOf(agentText("name: foo\ndescription: x\nreview:\n  content: ['ok\\b', '(unclosed']"));
    expect(error.fieldPath).toBe('review.content[1]');
    expect(error.message).toMatch(/^agents\/foo\.md: review\.content\[1\]: not a valid regular expression \(/);
  });

  it('accepts a list of checklist items for one rule, and names a wrong id inside it', () => {
    const good = parseAgent(agentText('name: foo\ndescription: x\nreview:\n  rules:\n    http-call-without-timeout: [plan-for-failure]'), FILE);
    expect(good.review.rules).toEqual({ 'http-call-without-timeout': ['plan-for-failure'] });
    const error = errorOf(agentText('name: foo\ndescription: x\nreview:\n  rules:\n    http-call-without-timeout: [plan-for-failure, nope]'));
    expect(error.message).toMatch(/review\.rules\.http-call-without-timeout: "nope" is not the id of a checklist item/);
  });

  it('rejects a review.rules value that is not a checklist id, listing the valid ids', () => {
    const error = errorOf(agentText('name: foo\ndescription: x\nreview:\n  rules:\n    http-call-without-timeout: plan-for-faliure'));
    expect(error.fieldPath).toBe('review.rules.http-call-without-timeout');
    expect(error.message).toBe(
      'agents/foo.md: review.rules.http-call-without-timeout: "plan-for-faliure" is not the id of a checklist ' +
        'item of this agent (valid ids: plan-for-failure)',
    );
  });

  it('rejects an unknown key inside review', () => {
    const error = errorOf(agentText("name: foo\ndescription: x\nreview:\n  pathz: ['**/*.py']"));
    expect(error.message).toBe(
      'agents/foo.md: review.pathz: unknown key (allowed: paths, exclude, imports, content, triggers, checklist, rules)',
    );
  });

  it('rejects an <agent_spec> that is not well-formed XML, with the line in the file', () => {
    const error = errorOf(agentText('name: foo\ndescription: x', '\n<agent_spec>\n  <role>Foo</rol>\n</agent_spec>\n'));
    expect(error.message).toBe(
      "agents/foo.md: <agent_spec> is not well-formed XML (line 7: Expected closing tag 'role' " +
        "(opened in line 7, col 3) instead of closing tag 'rol'.)",
    );
  });
});

describe('parseAgent on valid files', () => {
  it('accepts a BOM, CRLF line endings and unknown front-matter keys', () => {
    const text = '\uFEFF' + agentText('name: foo\ndescription: x\ncolor: blue\ntools: Read, Grep').replace(/\n/g, '\r\n');
    const agent = parseAgent(text, FILE);
    expect(agent.name).toBe('foo');
    expect(agent).not.toHaveProperty('color');
    expect(agent.prompt).toBe(BODY.trim());
    expect(agent.checklist.map((item) => item.id)).toEqual(['plan-for-failure']);
  });

  it('accepts a file with neither checklist nor review block', () => {
    const agent = parseAgent(agentText('name: bare\ndescription: Just a prompt.', 'Be helpful.\n'), FILE);
    expect(agent.checklist).toEqual([]);
    expect(agent.review).toEqual({ paths: [], exclude: [], imports: [], content: [], triggers: [], checklist: [], rules: {} });
    expect(agent.model).toBeUndefined();
    expect(agent.format).toBe('markdown');
  });

  it('treats an empty review: key as no review block', () => {
    expect(parseAgent(agentText('name: foo\ndescription: x\nreview:'), FILE).review.paths).toEqual([]);
  });

  it('merges review.triggers into the triggers, ignoring case duplicates', () => {
    const front = 'name: foo\ndescription: Use for cache design or queues.\nreview:\n  triggers: [Queues, rate limits]';
    const body = '## Triggers\n- "Cache design for..." or "retry policy"\n';
    expect(parseAgent(agentText(front, body), FILE).triggers).toEqual([
      'Cache design',
      'retry policy',
      'queues',
      'rate limits',
    ]);
  });
});

describe('description triggers', () => {
  it('reads "Use PROACTIVELY for A, B, or C."', () => {
    expect(descriptionTriggers('Expert. Use PROACTIVELY for model serving, feature stores, or drift. More.')).toEqual([
      'model serving',
      'feature stores',
      'drift',
    ]);
  });

  it('reads "Use when ..." and splits on "and"', () => {
    expect(descriptionTriggers('Use when designing APIs and reviewing Node.js services')).toEqual([
      'designing APIs',
      'reviewing Node.js services',
    ]);
  });

  it('gives nothing without such a sentence', () => {
    expect(descriptionTriggers('Designs systems because for scale we need it; it is used for fun')).toEqual([]);
  });
});

describe('Markdown extraction details', () => {
  it('cleans trigger phrases and slugs titles', () => {
    expect(cleanPhrase('Design system architecture for...')).toBe('Design system architecture');
    expect(cleanPhrase('integrate with…')).toBe('integrate');
    expect(slugify('Design for 10x scale')).toBe('design-for-10x-scale');
    expect(slugify('Avoid vendor lock-in')).toBe('avoid-vendor-lock-in');
  });

  it('ignores headings inside code blocks and reads a Gotchas section', () => {
    const body = [
      '```python',
      '# not a title',
      '## Not a section',
      '```',
      '# Real Title',
      '## Gotchas',
      '- Unbounded retries amplify outages - cap them with backoff',
      '- Unbounded retries amplify outages - duplicate first words',
      '## Best Practices',
      '- ❌ **Avoid global state**: it hides coupling',
      '- Keep it simple',
    ].join('\n');
    const extracted = extractMarkdown(body);
    expect(extracted.role).toBe('Real Title');
    expect(extracted.gotchas.map((gotcha) => gotcha.id)).toEqual([
      'unbounded-retries-amplify-outages',
      'unbounded-retries-amplify-outages-2',
    ]);
    expect(extracted.checklist).toEqual([
      { id: 'avoid-global-state', title: 'Avoid global state', detail: 'it hides coupling', source: 'best-practice' },
      { id: 'keep-it-simple', title: 'Keep it simple', source: 'best-practice' },
    ]);
  });
});
