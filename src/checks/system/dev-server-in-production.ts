import { posix } from 'node:path';
import type { ChangeSet, ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { callText, enclosingOpeners, headLines, headViews, indentOf } from '../lines.js';
import { code } from '../../render/escape.js';
import { dockerfileViews, dockerInstructions, type DockerInstruction, isCompose, isDevPath, isDockerfile, isK8sYaml, isProdNamed } from './infra-files.js';
import { blockEnd, inlineValue, keyIndent, keyOf, segmentsOf, structural, type YLine } from './yaml-lines.js';
import { addsMention, mentions } from '../text.js';

interface DevCommand {
  re: RegExp;
  what: string;
  instead: string;
}

const GUNICORN = 'Serve with a production server instead: `gunicorn -w 4 -b 0.0.0.0:8000 app:app` (or `uvicorn app.main:app --workers 4` for ASGI).';
const NODE_BUILD = 'Build at image build time (`RUN npm run build`) and start the built app: `next start`, or `node dist/server.js`.';

const DEV_COMMANDS: DevCommand[] = [
  { re: /\bflask\b[^;&|]*?\srun\b/, what: "Flask's development server", instead: GUNICORN },
  { re: /\bmanage\.py\s+runserver\b|\bdjango-admin\s+runserver\b/, what: "Django's development server", instead: 'Serve with `gunicorn project.wsgi -w 4 -b 0.0.0.0:8000` (or an ASGI server for `project.asgi`).' },
  { re: /\b(?:uvicorn|gunicorn|hypercorn)\b.*\s--reload\b/, what: 'a server in auto-reload mode (a file watcher restarting it)', instead: 'Drop `--reload`; run several workers instead: `uvicorn app.main:app --host 0.0.0.0 --workers 4`.' },
  { re: /\bfastapi\s+dev\b/, what: 'the FastAPI CLI in development mode (auto-reload)', instead: 'Use `fastapi run` (no reload) or `uvicorn app.main:app --workers 4`.' },
  { re: /\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?(?:dev|develop|start:dev|serve:dev)\b/, what: 'the development script', instead: NODE_BUILD },
  { re: /\bnext\s+dev\b/, what: "Next.js's development server", instead: NODE_BUILD },
  { re: /\bnodemon\b|\bts-node-dev\b|\bnest\s+start\s+--watch\b/, what: 'a file watcher compiling and restarting the app', instead: 'Compile at image build time (`tsc`) and run `node dist/main.js`.' },
  { re: /\bng\s+serve\b|\breact-scripts\s+start\b|\bwebpack(?:-dev-server|\s+serve)\b/, what: 'a front-end development server', instead: 'Build the static assets at image build time and serve them with nginx or a CDN.' },
];

const ENV_NAMES = /^(NODE_ENV|FLASK_ENV|RAILS_ENV|APP_ENV|ASPNETCORE_ENVIRONMENT|FLASK_DEBUG|DJANGO_DEBUG|DEBUG)$/;
/** What every name of ENV_NAMES holds: a cheap first test of a manifest's text. */
const MAY_NAME_ENV = /_ENV|DEBUG/;

/** Whether `NAME=value` switches the app into development or debug mode. */
function devEnv(name: string, value: string): boolean {
  if (!ENV_NAMES.test(name)) return false;
  return /DEBUG$/.test(name) ? /^(?:1|true|yes|on)$/i.test(value) : /^(?:development|dev)$/i.test(value);
}

function devCommand(text: string): DevCommand | undefined {
  const flat = text.replace(/[[\]",]/g, ' ').replace(/\s+/g, ' ');
  return DEV_COMMANDS.find((c) => c.re.test(flat));
}

function commandHit(line: number, where: string, command: DevCommand, shown: string): RuleHit {
  return {
    line,
    title: `Development server in ${where}: ${code(shown)}`,
    message:
      `${code(shown)} runs ${command.what}. It is built for one developer: a single process with no worker management, ` +
      'debug features and file watching; under production traffic it stalls on concurrent requests, uses more CPU and memory, ' +
      'and a debug page can leak source and settings.',
    remedy: command.instead,
  };
}

function envHit(line: number, where: string, name: string, value: string): RuleHit {
  return {
    line,
    title: `Development mode in ${where}: ${code(`${name}=${value}`)}`,
    message:
      `${code(`${name}=${value}`)} switches the app into development or debug mode in ${where}: frameworks then serve ` +
      'detailed error pages (source, settings, sometimes an interactive debugger), skip caching and optimisations, and log verbosely.',
    remedy: `Set ${code(name)} for production here (e.g. \`NODE_ENV=production\`, \`DEBUG=0\`) and keep development values in a dev-only file (\`Dockerfile.dev\`, \`compose.override.yml\`).`,
  };
}

const DEV_STAGE = /^(?:dev|develop|development|local|debug|test|testing|watch)$/i;

/** `python predict.py`, `python3 -u /app/serve.py`: 1 the script a CMD runs with the interpreter. */
const PYTHON_SCRIPT = /^(?:\S*\/)?python[\d.]*(?:\s+-[uBOE]+)*\s+(\S+\.py)(?:\s|$)/;
const FLASK_APP = /^(\w+)\s*=\s*Flask\s*\(/;

/** The script a CMD's arguments run with the interpreter, if any. */
function pythonScriptOf(args: string): string | undefined {
  return PYTHON_SCRIPT.exec(args.replace(/[[\]",]/g, ' ').replace(/\s+/g, ' ').trim())?.[1];
}

function runsPythonScript(args: string): boolean {
  return pythonScriptOf(args) !== undefined;
}

/**
 * The changed Python file a CMD runs (its path in the build context, the Dockerfile's folder, with the
 * WORKDIR prefix dropped) when that file starts a Flask app with `app.run(…)` as `__main__`: the
 * development server, debug or not. The file must be in the change: an unchanged script is not read.
 */
function flaskScriptRun(args: string, workdir: string, dockerfile: string, changeSet: ChangeSet): { script: string; call: string } | undefined {
  const script = pythonScriptOf(args);
  if (!script) return undefined;
  const inContext = script.startsWith(`${workdir}/`) ? script.slice(workdir.length + 1) : script;
  if (inContext.startsWith('/')) return undefined;
  const path = posix.normalize(posix.join(posix.dirname(dockerfile), inContext));
  const file = changeSet.files.find((f) => f.path === path && f.language === 'python' && f.status !== 'removed');
  if (!file) return undefined;
  for (const lines of headViews(file)) {
    const app = lines.map((l) => FLASK_APP.exec(l.text)?.[1]).find((name) => name !== undefined);
    if (!app) continue;
    const run = new RegExp(`^\\s+${app}\\.run\\s*\\(`);
    const index = lines.findIndex(
      // Directly in the guard: one nested in an `if` may be the local branch of a switch to a real server.
      (l, i) => run.test(l.text) && MAIN_GUARD.test(lines[enclosingOpeners(lines, i)[0] ?? -1]?.text ?? ''),
    );
    if (index >= 0) return { script, call: callText(lines, index, (lines[index]?.text ?? '').indexOf(`${app}.run`)).replace(/\s+/g, ' ').trim() };
  }
  return undefined;
}

function flaskScriptHit(line: number, shown: string, run: { script: string; call: string }): RuleHit {
  return {
    line,
    title: `Development server in the production image: ${code(shown)}`,
    message:
      `${code(shown)} runs ${code(run.script)} directly, which starts the app with ${code(run.call)}: Flask's built-in ` +
      'development server (Werkzeug), which Flask documents as not for production. It has no worker management and ' +
      'is not hardened: under production traffic it stalls on slow clients and concurrent requests, and it does not ' +
      'restart a crashed worker.',
    remedy: `${GUNICORN} Keep the \`app.run(…)\` under \`__main__\` for local runs only.`,
  };
}

interface Stage {
  /** The `AS` name, lower-cased ('' when unnamed), and the image or stage it is built FROM. */
  name: string;
  base: string;
  /** The CMD and the ENTRYPOINT it sets itself: the last of each. */
  sets: Map<string, DockerInstruction>;
}

/** The stages of a run of instructions; those before any FROM (a hunk inside a stage) form one unnamed stage. */
function stagesOf(instructions: readonly DockerInstruction[]): Stage[] {
  const stages: Stage[] = [{ name: '', base: '', sets: new Map() }];
  for (const ins of instructions) {
    if (ins.instruction === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const name = /^AS$/i.test(words[1] ?? '') ? (words[2] ?? '') : '';
      stages.push({ name: name.toLowerCase(), base: (words[0] ?? '').toLowerCase(), sets: new Map() });
    } else if (ins.instruction === 'CMD' || ins.instruction === 'ENTRYPOINT') {
      stages[stages.length - 1]?.sets.set(ins.instruction, ins);
    }
  }
  return stages;
}

/**
 * The CMD and ENTRYPOINT the built image starts with: those the last stage sets, else those it inherits from
 * the stage it is built FROM. A CMD of an earlier stage that the final one replaces never runs.
 */
function shippedCommands(instructions: readonly DockerInstruction[]): Set<DockerInstruction> {
  const stages = stagesOf(instructions);
  const shipped = new Set<DockerInstruction>();
  for (const kind of ['CMD', 'ENTRYPOINT']) {
    let index = stages.length - 1;
    while (index >= 0) {
      const stage = stages[index];
      const set = stage?.sets.get(kind);
      if (set) shipped.add(set);
      // An ENTRYPOINT set in a stage clears the CMD it would inherit.
      if (!stage || set || (kind === 'CMD' && stage.sets.has('ENTRYPOINT'))) break;
      const base = stage.base;
      index = base === '' ? -1 : stages.slice(0, index).map((s) => s.name).lastIndexOf(base);
    }
  }
  return shipped;
}

function dockerfileHits(file: ChangedFile, changeSet: ChangeSet): RuleHit[] {
  const hits: RuleHit[] = [];
  for (const view of dockerfileViews(file)) {
    let stage: string | undefined;
    let workdir = '';
    const instructions = dockerInstructions(view.lines);
    // Read once, and only when a CMD may run a python script: most Dockerfiles start a server by name.
    let shipped: Set<DockerInstruction> | undefined;
    for (const ins of instructions) {
      if (ins.instruction === 'FROM') {
        stage = /\bAS\s+([\w.-]+)\s*$/i.exec(ins.args)?.[1] ?? '';
        continue;
      }
      if (ins.instruction === 'WORKDIR') workdir = ins.args.replace(/\/+$/, '');
      if (ins.addedLine === undefined || (stage !== undefined && DEV_STAGE.test(stage))) continue;
      if (ins.instruction === 'CMD' || ins.instruction === 'ENTRYPOINT') {
        const shown = `${ins.instruction} ${ins.args}`;
        const command = devCommand(ins.args);
        const mayRunScript = !command && runsPythonScript(ins.args) && (shipped ??= shippedCommands(instructions)).has(ins);
        const run = mayRunScript ? flaskScriptRun(ins.args, workdir, file.path, changeSet) : undefined;
        if (command) hits.push(commandHit(ins.addedLine, 'the production image', command, shown));
        else if (run) hits.push(flaskScriptHit(ins.addedLine, shown, run));
      } else if (ins.instruction === 'ENV') {
        const pairs = ins.args.includes('=')
          ? [...ins.args.matchAll(/([\w.]+)=["']?([^\s"']*)/g)].map((m) => [m[1] ?? '', m[2] ?? ''] as const)
          : [[ins.args.split(/\s+/)[0] ?? '', ins.args.split(/\s+/)[1] ?? ''] as const];
        const dev = pairs.find(([name, value]) => devEnv(name, value));
        if (dev) hits.push(envHit(ins.addedLine, 'the production image', dev[0], dev[1]));
      }
    }
  }
  return hits;
}

const COMMAND_KEY = /^(?:command|args|entrypoint)$/;
/** The keys of COMMAND_KEY anywhere in a manifest's text: a cheap first test. */
const MAY_SET_COMMAND = /command|args|entrypoint/;

/** The `command:`/`args:` values of each mapping (a container or a compose service), joined: `uvicorn` and `--reload` may be split. */
function yamlCommandHits(lines: readonly YLine[], where: string): RuleHit[] {
  const hits: RuleHit[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i];
    if (!first || !COMMAND_KEY.test(keyOf(first.text) ?? '')) continue;
    const indent = keyIndent(first.text);
    let groupEnd = i + 1;
    for (let j = i + 1; j < lines.length; j++) {
      const text = lines[j]?.text ?? '';
      if (!structural(text)) continue;
      if (indentOf(text) < indent) break;
      groupEnd = j + 1;
    }
    let text = '';
    let changed: YLine | undefined;
    for (let j = i; j < groupEnd; j++) {
      const line = lines[j];
      if (!line || keyIndent(line.text) !== indent || !COMMAND_KEY.test(keyOf(line.text) ?? '')) continue;
      const block = lines.slice(j, blockEnd(lines, j));
      text += ` ${inlineValue(line.text)} ${block.slice(1).map((l) => l.text.replace(/^\s*-\s*/, '')).join(' ')}`;
      changed ??= block.find((l) => l.added);
    }
    const command = devCommand(text);
    if (changed && command) hits.push(commandHit(changed.line, where, command, text.replace(/[[\]",]/g, ' ').replace(/\s+/g, ' ').trim()));
    i = groupEnd - 1;
  }
  return hits;
}

function yamlEnvHits(lines: readonly YLine[], where: string): RuleHit[] {
  const hits: RuleHit[] = [];
  lines.forEach((l, i) => {
    const pair = /^\s*(?:-\s+)?["']?(\w+)["']?\s*[:=]\s*["']?([\w-]+)["']?\s*$/.exec(l.text);
    if (pair && l.added && devEnv(pair[1] ?? '', pair[2] ?? '')) hits.push(envHit(l.line, where, pair[1] ?? '', pair[2] ?? ''));
    const name = /^\s*-\s+name:\s*["']?(\w+)["']?\s*$/.exec(l.text)?.[1];
    const next = lines[i + 1];
    const value = next ? /^\s*value:\s*["']?([\w-]+)["']?\s*$/.exec(next.text)?.[1] : undefined;
    if (name && value && next && (l.added || next.added) && devEnv(name, value)) hits.push(envHit(next.line, where, name, value));
  });
  return hits;
}

const PY_RUN = /(?<![\w.])(?:\w+\.run|uvicorn\.run)\s*\(/;
const MAIN_GUARD = /^\s*if\s+__name__\s*==\s*["']__main__["']\s*:/;

function pythonHits(file: ChangedFile): RuleHit[] {
  // Both findings need an added `DEBUG = True` or `….run(`.
  if (!addsMention(file, /DEBUG|\.run/)) return [];
  const hits: RuleHit[] = [];
  const settings = /(?:^|\/)settings(?:\/[\w]+)?\.py$/.test(file.path);
  for (const hunk of file.hunks) {
    const lines = headLines(hunk);
    lines.forEach((line, index) => {
      if (!line.added || /^\s*#/.test(line.text)) return;
      if (settings && /^DEBUG\s*=\s*True\b/.test(line.text)) hits.push(envHit(line.line, 'the Django settings', 'DEBUG', 'True'));
      const match = PY_RUN.exec(line.text);
      if (!match) return;
      const call = callText(lines, index, match.index);
      const reload = /\breload\s*=\s*True\b/.test(call) && /uvicorn/.test(match[0]);
      if (!/\bdebug\s*=\s*True\b/.test(call) && !reload) return;
      const openers = enclosingOpeners(lines, index);
      const allInterfaces = /\bhost\s*=\s*["']0\.0\.0\.0["']/.test(call);
      // Inside `if __name__ == "__main__":` (or a function) it runs only when started directly: a problem
      // only when it listens on every interface, as in a container. At module level it runs on import.
      const moduleLevel = indentOf(line.text) === 0;
      const guarded = openers.some((i) => MAIN_GUARD.test(lines[i]?.text ?? '') || /^\s*(?:async\s+)?def\s/.test(lines[i]?.text ?? ''));
      if (!moduleLevel && !(guarded && allInterfaces)) return;
      const shown = call.replace(/\s+/g, ' ').trim();
      hits.push({
        line: line.line,
        title: `Development server started with ${code(reload ? 'reload=True' : 'debug=True')}`,
        message:
          `${code(shown.length > 80 ? `${shown.slice(0, 77)}…` : shown)} starts the framework's development server` +
          (reload ? ' with auto-reload' : ' with the interactive debugger') +
          (moduleLevel ? ' at import time, so it also runs when a production server imports this module' : ' listening on every interface') +
          ': anyone who reaches the port gets a debugger console that runs arbitrary code, and the server is single-process.',
      remedy: `${GUNICORN} Keep \`debug\` off unless an env var for local development turns it on.`,
      });
    });
  }
  return hits;
}

/** What the rule judges a file as, or undefined: dev-only files and files of no production setup are left alone. */
function judgedAs(file: ChangedFile): 'dockerfile' | 'python' | 'compose' | 'k8s' | undefined {
  // The file's language first: most files of a change are none of these (compose globs only match YAML).
  if (!isDockerfile(file) && file.language !== 'python' && file.language !== 'yaml') return undefined;
  if (isDevPath(file.path)) return undefined;
  if (isDockerfile(file)) return 'dockerfile';
  if (file.language === 'python') return 'python';
  // A plain docker-compose.yml is, in most repositories, the local development setup: only files named
  // for a deployed environment (docker-compose.prod.yml, stack.yml) are judged.
  if (isCompose(file.path)) return isProdNamed(file.path) ? 'compose' : undefined;
  return isK8sYaml(file) ? 'k8s' : undefined;
}

function check(file: ChangedFile, changeSet: ChangeSet): RuleHit[] {
  const judged = judgedAs(file);
  if (judged === undefined) return [];
  if (judged === 'dockerfile') return dockerfileHits(file, changeSet);
  if (judged === 'python') return pythonHits(file);
  const where = judged === 'compose' ? 'a production compose file' : 'a Kubernetes manifest';
  // Most manifests set no command and no mode variable: the file's text says so before any line is read.
  const mayCommand = mentions(file, MAY_SET_COMMAND);
  const mayEnv = mentions(file, MAY_NAME_ENV);
  if (!mayCommand && !mayEnv) return [];
  return segmentsOf(file).flatMap((s) => [...(mayCommand ? yamlCommandHits(s.lines, where) : []), ...(mayEnv ? yamlEnvHits(s.lines, where) : [])]);
}

export const devServerInProduction: Rule = {
  id: 'dev-server-in-production',
  summary: 'A development server or mode (flask run, uvicorn --reload, runserver, npm run dev, NODE_ENV=development, debug=True, a Flask app.run() in the python script the image starts) in a production image or deployment',
  why: 'Development servers are single-process, reload on file changes and may expose a debugger: under production traffic they fall over, and debug mode can run attacker-supplied code.',
  remedy: 'Run a production server (gunicorn/uvicorn workers without --reload, next start, node on the build output) and keep dev settings in dev-only files.',
  severity: 'high',
  kind: 'problem',
  scope: 'Dockerfiles, Kubernetes manifests, production compose files or Python entrypoints (dev-only files excluded)',
  appliesTo: (file) => judgedAs(file) !== undefined,
  // The stage a CMD belongs to may be far above the hunk: `FROM node:20 AS dev` keeps it quiet. Whether
  // a `CMD python app.py` ships depends on the stages below it too.
  wantsContent: (file) =>
    isDockerfile(file) &&
    file.status !== 'added' &&
    !isDevPath(file.path) &&
    file.hunks.some((h) => {
      const instructions = dockerInstructions(headLines(h));
      const firstFrom = instructions.findIndex((i) => i.instruction === 'FROM');
      return (
        (firstFrom < 0 ? instructions : instructions.slice(0, firstFrom)).some(
          (i) => i.addedLine !== undefined && (i.instruction === 'ENV' || devCommand(i.args) !== undefined),
        ) || instructions.some((i) => i.addedLine !== undefined && /^(?:CMD|ENTRYPOINT)$/.test(i.instruction) && runsPythonScript(i.args))
      );
    }),
  // A Dockerfile's `CMD python app.py` is judged by the app.py of the change.
  readsWholeChange: true,
  check,
};
