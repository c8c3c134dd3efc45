/** How a function is started off the request path inside the server process: schedulers, threads, tasks. */
import { commentLine, type HeadLine } from '../lines.js';

/** How `name` is started inside this process, with the line that does it. */
export function startedBy(lines: readonly HeadLine[], name: string): { line: HeadLine; how: string } | undefined {
  const n = name.replace(/[.]/g, '\\.');
  const patterns: [RegExp, string][] = [
    [new RegExp(`\\.add_job\\s*\\(\\s*(?:func\\s*=\\s*)?${n}\\b`), 'a scheduler job (`add_job`)'],
    [new RegExp(`\\.do\\s*\\(\\s*${n}\\b`), 'a `schedule` job'],
    [new RegExp(`\\btarget\\s*=\\s*${n}\\b`), 'a background thread'],
    [new RegExp(`\\.add_task\\s*\\(\\s*${n}\\b`), 'a background task (`BackgroundTasks.add_task`)'],
    [new RegExp(`\\b(?:create_task|ensure_future)\\s*\\(\\s*${n}\\s*\\(`), 'an asyncio task'],
    [new RegExp(`\\brun_in_executor\\s*\\([^,]+,\\s*${n}\\b`), 'an executor thread'],
    [new RegExp(`\\bTimer\\s*\\([^,]+,\\s*${n}\\b`), 'a timer thread'],
  ];
  for (const line of lines) {
    if (commentLine(line.text, true)) continue;
    const hit = patterns.find(([re]) => re.test(line.text));
    if (hit) return { line, how: hit[1] };
  }
  return undefined;
}

