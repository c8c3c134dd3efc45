import { describe, expect, it } from 'vitest';
import { ANSWER_LIMITS, answerTool, parseAnswer } from '../../src/llm/schema.js';
import type { LlmAnswer } from '../../src/llm/types.js';

const ANSWER_TOOL = answerTool();

const FINDING = { file: 'src/a.ts', line: 3, severity: 'high', title: 'Retried POST', message: 'Not idempotent.', remedy: 'Add a key.' };

function parsed(input: unknown): LlmAnswer {
  const result = parseAnswer(input);
  if (!result.ok) throw new Error(`expected a valid answer, got: ${result.problem}`);
  return result.answer;
}

function problem(input: unknown): string {
  const result = parseAnswer(input);
  if (result.ok) throw new Error('expected the answer to be refused');
  return result.problem;
}

describe('parseAnswer', () => {
  it('accepts a full answer, trimming strings and dropping unknown keys', () => {
    const answer = parsed({
      checklist: [{ id: ' idem ', verdict: 'fail', evidence: ' line 3 ', note: 'x' }],
      findings: [{ ...FINDING, title: '  Retried POST  ', endLine: 5, checklistItem: 'idem', suggestion: 'post(k)', score: 9 }],
      questions: [{ question: ' Is it retried upstream? ', file: 'src/a.ts', line: 4 }],
      summary: 'ignored',
    });
    expect(answer).toEqual({
      checklist: [{ id: 'idem', verdict: 'fail', evidence: 'line 3' }],
      findings: [{ ...FINDING, endLine: 5, checklistItem: 'idem', suggestion: 'post(k)' }],
      questions: [{ question: 'Is it retried upstream?', file: 'src/a.ts', line: 4 }],
    });
  });

  it('reads missing lists as empty and nulls as absent', () => {
    expect(parsed({})).toEqual({ checklist: [], findings: [], questions: [] });
    const answer = parsed({ findings: [{ ...FINDING, line: null, checklistItem: null, suggestion: null }], questions: null });
    expect(answer.findings[0]).toEqual({ ...FINDING, line: undefined });
    expect(answer.findings[0]).not.toHaveProperty('line');
    expect(answer.questions).toEqual([]);
  });

  it('cuts long text and long lists to their caps instead of refusing them', () => {
    const answer = parsed({
      checklist: Array.from({ length: 70 }, (_, i) => ({ id: `c${i}`, verdict: 'pass', evidence: 'e'.repeat(3000) })),
      findings: Array.from({ length: 40 }, () => ({ ...FINDING, title: 't'.repeat(300), message: 'm'.repeat(3000), suggestion: 's'.repeat(1500) })),
      questions: Array.from({ length: 20 }, (_, i) => ({ question: `q${i}` })),
    });
    expect(answer.checklist).toHaveLength(ANSWER_LIMITS.checklist);
    expect(answer.findings).toHaveLength(ANSWER_LIMITS.findings);
    expect(answer.questions).toHaveLength(ANSWER_LIMITS.questions);
    expect(answer.checklist[0]?.evidence).toHaveLength(2000);
    expect(answer.findings[0]?.title).toHaveLength(200);
    expect(answer.findings[0]?.message).toHaveLength(2000);
    expect(answer.findings[0]?.suggestion).toHaveLength(1000);
    expect(answer.questions.at(-1)?.question).toBe('q14');
  });

  it('refuses a severity or verdict outside the enums', () => {
    expect(problem({ findings: [{ ...FINDING, severity: 'critical' }] })).toMatch(/severity/);
    expect(problem({ checklist: [{ id: 'c', verdict: 'maybe', evidence: '' }] })).toMatch(/verdict/);
  });

  it('refuses a finding without a file, or with a blank one', () => {
    const { file: _omitted, ...noFile } = FINDING;
    expect(problem({ findings: [noFile] })).toMatch(/file/);
    expect(problem({ findings: [{ ...FINDING, file: '   ' }] })).toMatch(/file/);
  });

  it('refuses line numbers that are not positive integers', () => {
    for (const line of [0, -2, 2.5, '12']) expect(problem({ findings: [{ ...FINDING, line }] })).toMatch(/line/);
  });

  it('drops an endLine that does not extend past line', () => {
    expect(parsed({ findings: [{ ...FINDING, line: 5, endLine: 5 }] }).findings[0]).not.toHaveProperty('endLine');
    expect(parsed({ findings: [{ ...FINDING, line: 5, endLine: 2 }] }).findings[0]).not.toHaveProperty('endLine');
    const { line: _omitted, ...noLine } = FINDING;
    expect(parsed({ findings: [{ ...noLine, endLine: 9 }] }).findings[0]).not.toHaveProperty('endLine');
  });

  it('refuses input that is not an object, with a short problem', () => {
    for (const input of ['a review', null, [FINDING], 42]) expect(parseAnswer(input).ok).toBe(false);
    const many = { findings: Array.from({ length: 30 }, () => ({ severity: 'nope' })) };
    expect(problem(many).length).toBeLessThanOrEqual(601);
  });
});

describe('ANSWER_TOOL', () => {
  const schema = ANSWER_TOOL.input_schema as {
    type: string;
    required: string[];
    properties: Record<string, { maxItems?: number; description?: string; items: { properties: Record<string, Record<string, unknown>>; required: string[] } }>;
  };

  it('is the submit_review tool with an object schema generated from the zod schema', () => {
    expect(ANSWER_TOOL.name).toBe('submit_review');
    expect(ANSWER_TOOL.description.length).toBeGreaterThan(50);
    expect(schema.type).toBe('object');
    expect(schema).not.toHaveProperty('$schema');
    expect(schema.required).toEqual(['checklist', 'findings', 'questions']);
    const finding = schema.properties.findings?.items;
    expect(finding?.properties.severity?.enum).toEqual(['high', 'medium', 'low']);
    expect(finding?.required).toEqual(expect.arrayContaining(['file', 'severity', 'title', 'message', 'remedy']));
    expect(finding?.properties.title?.maxLength).toBe(ANSWER_LIMITS.title);
    expect(finding?.properties.line).toMatchObject({ type: 'integer', minimum: 1 });
    expect(finding?.properties.line).not.toHaveProperty('maximum');
    expect(schema.properties.findings?.maxItems).toBe(ANSWER_LIMITS.findings);
    expect(schema.properties.checklist?.items.properties.verdict?.enum).toEqual(['pass', 'fail', 'needs_info', 'not_applicable']);
  });

  it('describes every field to the model', () => {
    for (const [name, list] of Object.entries(schema.properties)) {
      expect(list.description, name).toBeTruthy();
      for (const [field, spec] of Object.entries(list.items.properties)) expect(spec.description, `${name}.${field}`).toBeTruthy();
    }
  });
});
