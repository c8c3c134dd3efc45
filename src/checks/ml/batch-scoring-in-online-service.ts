import type { ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { commentLine, headLines, type HeadLine } from '../lines.js';
import { code } from '../../render/escape.js';
import { BULK_READ, batchShaped } from './data-reads.js';
import { startedBy } from './background.js';
import { inferenceCall } from './inference-calls.js';
import { BATCH_PATH, bodyOf, decoratorsAbove, describe, PY_DEF, pythonHandler, views, webFramework } from './serving-util.js';
import { addsMention, mentions } from '../text.js';

const SERVING_PATH = /(?:^|\/)(?:serving|inference|server|api|online)\//i;
/** Decorators that run a function on a timer or at start-up inside the server process. */
const SCHEDULED_DECORATOR = /^\s*@(?:[\w.]+\.scheduled_job|repeat_every|aiocron\.crontab|[\w.]+\.on_event\s*\(\s*['"]startup)\b/;
/** Names that say a function scores in bulk, for scheduled functions defined in another module. */
const BATCH_NAME = /(?:^|_)(?:batch|bulk|rescore|rescoring|backfill|nightly|score_all|scoring)(?:_|$)/i;

interface Job {
  name: string;
  how: string;
  /** Lines that make it a problem; the first added one is where the finding goes. */
  lines: HeadLine[];
  read?: string;
  predict?: string;
}

/** Functions in these lines that read a whole table or file and run the model over it, and how each is triggered. */
function jobsIn(lines: readonly HeadLine[]): Job[] {
  const jobs: Job[] = [];
  const defined = new Set<string>();
  lines.forEach((def, defIndex) => {
    const name = PY_DEF.exec(def.text)?.[2];
    if (!name) return;
    defined.add(name);
    const body = bodyOf(lines, defIndex).map((i) => lines[i]).filter((l): l is HeadLine => l !== undefined && !commentLine(l.text, true));
    const read = body.find((l) => BULK_READ.test(l.text));
    const predict = body.find((l) => inferenceCall(l.text) !== undefined);
    if (!read || !predict) return;
    const readCall = BULK_READ.exec(read.text)?.[0].replace(/\s*\($/, '') ?? 'read';
    const job = { name, lines: [def, read, predict], read: readCall, predict: inferenceCall(predict.text)?.name ?? 'predict' };
    const handler = pythonHandler(lines, defIndex);
    if (handler?.route !== undefined && batchShaped(lines, defIndex)) {
      jobs.push({ ...job, how: `endpoint ${describe(handler)}` });
      return;
    }
    const decorator = decoratorsAbove(lines, defIndex).find((d) => SCHEDULED_DECORATOR.test(d));
    const started = startedBy(lines, name);
    if (decorator) jobs.push({ ...job, how: `the decorator ${code(decorator.replace(/\(.*$/, '(…)'))}` });
    else if (started) jobs.push({ ...job, how: started.how, lines: [started.line, ...job.lines] });
  });
  // Scheduled functions imported from elsewhere, known only by a batch-like name.
  for (const line of lines) {
    const m = /\.(?:add_job|do)\s*\(\s*(?:func\s*=\s*)?([\w.]+)/.exec(line.text);
    const name = m?.[1];
    if (!name || defined.has(name.split('.').pop() ?? '') || !BATCH_NAME.test(name.split('.').pop() ?? '')) continue;
    const started = startedBy([line], name);
    if (started) jobs.push({ name, how: started.how, lines: [line] });
  }
  return jobs;
}

/** A job is a bulk read in a function, or a batch-named function handed to a scheduler (`.add_job(`, `.do(`). */
const MAY_SCHEDULE = /\.(?:add_job|do)\s*\(/;
const SCHEDULING = /\.add_job\s*\(|\bschedule\.every\b|\btarget\s*=|\.add_task\s*\(|scheduled_job|repeat_every/;

/**
 * What BULK_READ and MAY_SCHEDULE need, as one cheaper first test: each of their calls has `.read_`
 * (`pd.read_csv`, `pq.read_table`), `spark.`, `.to_dataframe`, `.fetchall`, `.get_historical_features`,
 * `.add_job` or `.do(`.
 */
const MAY_READ_OR_SCHEDULE = /\.(?:read_|to_dataframe|fetchall|get_historical_features|add_job|do\s*\()|spark\./;

function mayScoreInBulk(file: ChangedFile): boolean {
  return mentions(file, MAY_READ_OR_SCHEDULE) && (mentions(file, BULK_READ) || mentions(file, MAY_SCHEDULE));
}

/** A file of the online service: under a serving path or one that serves requests, and not a batch job's script. */
function onlineService(file: ChangedFile, lines: readonly HeadLine[]): boolean {
  if (BATCH_PATH.test(file.path)) return false;
  const web = webFramework(lines);
  if (lines.some((l) => /^if\s+__name__\s*==\s*['"]__main__['"]/.test(l.text)) && !web) return false;
  return web || SERVING_PATH.test(file.path);
}

function hitsIn(file: ChangedFile, lines: readonly HeadLine[]): RuleHit[] {
  if (!onlineService(file, lines)) return [];
  const hits: RuleHit[] = [];
  for (const job of jobsIn(lines)) {
    const at = job.lines.find((l) => l.added);
    if (!at) continue;
    const what = job.read && job.predict ? `reads a whole table or file (${code(`${job.read}(…)`)}) and runs ${code(`${job.predict}(…)`)} over it` : 'scores in bulk';
    hits.push({
      line: at.line,
      title: `Batch scoring ${code(job.name)} runs inside the online service`,
      message:
        `${code(job.name)} ${what}, started as ${job.how} in the serving process. While it runs it takes the CPU, memory ` +
        'and workers the online endpoints need, so request latency spikes and requests time out every time it fires; ' +
        'a crash or an out-of-memory kill in the job takes the endpoint down with it, and every replica runs it again.',
      remedy:
        'Run batch scoring as its own job (a Kubernetes CronJob, an Airflow/Dagster task, a Spark or Ray job) on its own ' +
        'resources, sharing the model artifact and feature code with the service; write the scores to a table or cache ' +
        'the online service reads. If the endpoint must accept bulk requests, enqueue them for a worker and return a job id.',
    });
  }
  return hits;
}

/** Whether added bulk reads or scheduling lines may belong to a function or a scheduler outside the hunk. */
function wantsContent(file: ChangedFile): boolean {
  if (file.status === 'added' || BATCH_PATH.test(file.path)) return false;
  if (!addsMention(file, BULK_READ) && !addsMention(file, SCHEDULING)) return false;
  return file.hunks.some((hunk) =>
    headLines(hunk).some(
      (l) =>
        l.added &&
        !commentLine(l.text, true) &&
        (BULK_READ.test(l.text) || SCHEDULING.test(l.text)),
    ),
  );
}

export const batchScoringInOnlineService: Rule = {
  id: 'batch-scoring-in-online-service',
  summary: 'Batch scoring (a whole table or file read and predicted) scheduled or served inside the online serving process',
  why: 'The batch job takes the CPU, memory and workers of the online endpoints each time it runs, and a crash in it takes the endpoint down.',
  remedy: 'A separate batch job (CronJob, Airflow/Dagster task, Spark/Ray job) that writes scores the online service reads; bulk requests go through a queue.',
  severity: 'medium',
  kind: 'problem',
  scope: 'Python files of a serving path or of a web service',
  appliesTo: (file) => file.language === 'python',
  wantsContent,
  check: (file) => (mayScoreInBulk(file) ? views(file).flatMap((lines) => hitsIn(file, lines)) : []),
};
