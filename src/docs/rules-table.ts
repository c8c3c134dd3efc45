import { itemsOf, type Agent } from '../agents/types.js';
import type { Rule } from '../checks/types.js';

export const TABLE_START = '<!-- rules-table:start -->';
export const TABLE_END = '<!-- rules-table:end -->';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The README's table of built-in rules: which agent item each judges, what it catches, why, the remedy. */
export function rulesTable(rules: readonly Rule[], agents: readonly Agent[]): string {
  const rows = rules.map((rule) => {
    const users = agents
      .filter((a) => rule.id in a.review.rules)
      .map((a) => {
        const titles = itemsOf(a.review.rules[rule.id] ?? []).map((id) => a.checklist.find((i) => i.id === id)?.title ?? id);
        return `${a.name} (${titles.join('; ')})`;
      });
    const grade = `${rule.severity}${rule.kind === 'question' ? ' question' : ''}`;
    return `| \`${rule.id}\` | ${cell(users.join('; ') || 'none by default')} · **${grade}** | ${cell(rule.summary)} | ${cell(rule.why ?? '')} | ${cell(rule.remedy ?? '')} |`;
  });
  return [
    TABLE_START,
    '| rule | agent (checklist item) · severity | what it catches | why it matters | remedy |',
    '|---|---|---|---|---|',
    ...rows,
    TABLE_END,
  ].join('\n');
}
