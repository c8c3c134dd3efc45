/** What kind of infrastructure file a changed file is, and its Dockerfile instructions: shared by the infra rules. */
import picomatch from 'picomatch';
import type { ChangedFile } from '../../changeset/types.js';
import { headViews, type HeadLine } from '../lines.js';
import { memoByObject } from '../../path-memo.js';

const COMPOSE = picomatch(['**/docker-compose*.{yml,yaml}', '**/compose*.{yml,yaml}'], { dot: true });

export function isCompose(path: string): boolean {
  // The plain word first: every path the globs match holds it, and most paths of a change do not.
  return path.includes('compose') && COMPOSE(path);
}

export function isDockerfile(file: ChangedFile): boolean {
  return file.language === 'dockerfile';
}

/**
 * A file only used on a developer's machine: `Dockerfile.dev`, `docker-compose.dev.yml`,
 * `compose.override.yml`, `.devcontainer/`, a `local` or `dev` overlay. Tokens are whole words of the
 * path, so `devices/` or `developer-portal.yaml` are not dev files.
 */
const DEV_TOKEN = /(?:^|[/._-])(?:dev|develop|development|local|devcontainer|override|sandbox|debug)(?:[/._-]|$)/i;

export function isDevPath(path: string): boolean {
  return DEV_TOKEN.test(path);
}

/** A compose file named for a deployed environment: `docker-compose.prod.yml`, `compose.staging.yaml`, `stack.yml`. */
const PROD_TOKEN = /(?:^|[/._-])(?:prod|production|staging|stage|stg|deploy|release|stack|swarm|live)(?:[/._-]|$)/i;

export function isProdNamed(path: string): boolean {
  return PROD_TOKEN.test(path);
}

const K8S_PATH = /(?:^|\/)(?:k8s|kubernetes|kube|helm|charts?|manifests|deploy|deployments?|kustomize|overlays|gitops|argocd|argo)\//i;
const MANIFEST_LINE = /^(?:apiVersion|kind):\s*\S/;

/** A YAML file that holds (or templates) Kubernetes objects: by its folder, or by an `apiVersion:`/`kind:` line in the diff. */
export function isK8sYaml(file: ChangedFile): boolean {
  return file.language === 'yaml' && k8sYamlOf(file);
}

/** Whether a YAML file holds Kubernetes objects: asked of every YAML file by most infra rules, so judged once per file. */
const k8sYamlOf = memoByObject((file: ChangedFile): boolean => {
  if (isCompose(file.path) || /(?:^|\/)\.github\//.test(file.path)) return false;
  if (K8S_PATH.test(file.path)) return true;
  return file.hunks.some((h) => h.lines.some((l) => MANIFEST_LINE.test(l.text)));
});

/** A Helm chart's values file: image tags and resources live there, not in the templates. */
export function isHelmValues(path: string): boolean {
  return /(?:^|\/)values[\w.-]*\.ya?ml$/i.test(path);
}

/** A line that is only a Go-template action: `{{- if .Values.x }}`, `{{- end }}`, `{{- toYaml .Values.resources | nindent 12 }}`. */
export function templateLine(text: string): boolean {
  return /^\s*\{\{.*\}\}\s*$/.test(text);
}

/** One Dockerfile instruction, its continuation lines joined. */
export interface DockerInstruction {
  /** Upper-cased: `FROM`, `CMD`, `ENV`. */
  instruction: string;
  args: string;
  /** Head-side line of the instruction's first line. */
  line: number;
  /** The first added line among its lines, if any. */
  addedLine?: number;
}

/** The instructions of a run of Dockerfile head lines (a hunk or the whole file); comments and blank lines skipped. */
export function dockerInstructions(lines: readonly HeadLine[]): DockerInstruction[] {
  const out: DockerInstruction[] = [];
  let current: DockerInstruction | undefined;
  let continues = false;
  for (const l of lines) {
    if (/^\s*#/.test(l.text) || (!continues && !l.text.trim())) continue;
    const body = l.text.replace(/\\\s*$/, '');
    if (continues && current) {
      current.args += ` ${body.trim()}`;
      if (l.added && current.addedLine === undefined) current.addedLine = l.line;
    } else {
      const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(body);
      current = { instruction: (m?.[1] ?? '').toUpperCase(), args: (m?.[2] ?? '').trim(), line: l.line };
      if (l.added) current.addedLine = l.line;
      out.push(current);
    }
    continues = /\\\s*$/.test(l.text);
  }
  return out;
}

/** The head-side lines of a Dockerfile (the shared `headViews`): all of it from the content or an added file, else each hunk on its own. */
export function dockerfileViews(file: ChangedFile): { lines: readonly HeadLine[]; whole: boolean }[] {
  const whole = file.content !== undefined || file.status === 'added';
  return headViews(file).map((lines) => ({ lines, whole }));
}
