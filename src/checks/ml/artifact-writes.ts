/**
 * Where a change writes model artifacts: Python saves, uploads and copies, and CLI copies in CI
 * config and scripts. Shared by `unversioned-model-artifact` (a fixed location) and
 * `model-overwritten-in-place` (the location the serving side loads), so one write is judged once.
 */
import type { ChangeSet, ChangedFile } from '../../changeset/types.js';
import { kindOf } from '../../changeset/kind.js';
import { memoByObject } from '../../path-memo.js';
import { code } from '../../render/escape.js';
import { callText, commentLine, type HeadLine } from '../lines.js';
import { argument, assignments, callArgs, resolvePath, sideOf, UNKNOWN, versiony, VERSIONED, visibleLines, type ResolvedPath } from './lifecycle-util.js';
import { addsMention } from '../text.js';

export interface ArtifactWrite {
  /** Head-side line of the call. */
  line: number;
  /** Index of that line in `lines`. */
  index: number;
  /** What does the writing, for the message: `joblib.dump`, `s3.upload_file`, `aws s3 cp`. */
  call: string;
  /** The destination as written. */
  destExpr: string;
  dest: ResolvedPath;
  /** What is written, as written (the saved object, or the source of a copy). */
  object: string;
  /** `download`: serving fetching its model from a key, which is a fixed reference too, though not a write. */
  via: 'save' | 'upload' | 'copy' | 'download';
}

interface WritePattern {
  re: RegExp;
  via: ArtifactWrite['via'];
  /** The saved object and the destination, from the call's arguments and the receiver the regex captured. */
  parts(args: string[], receiver: string): { object: string; dest: string | undefined };
}

const pos = (object: number, dest: number, keyword: string) => (args: string[]) => ({
  object: args[object] ?? '',
  dest: argument(args, keyword, dest),
});

const PATTERNS: WritePattern[] = [
  { re: /(?<![\w.])(?:joblib|pickle|cloudpickle|dill)\.dump\s*\(/, via: 'save', parts: pos(0, 1, 'filename') },
  { re: /(?<![\w.])torch\.(?:jit\.)?save\s*\(/, via: 'save', parts: pos(0, 1, 'f') },
  { re: /(?<![\w.])mlflow\.\w+\.save_model\s*\(/, via: 'save', parts: pos(0, 1, 'path') },
  { re: /(?<![\w.])(?:tf\.keras\.models|keras\.models|keras\.saving|tf\.saved_model)\.save(?:_model)?\s*\(/, via: 'save', parts: pos(0, 1, 'filepath') },
  {
    re: /(?<![\w.])([\w.]*?)\.(?:save_model|save_pretrained)\s*\(/,
    via: 'save',
    parts: (args, receiver) => ({ object: receiver, dest: argument(args, 'save_directory', 0) ?? argument(args, 'fname', 0) }),
  },
  {
    re: /(?<![\w.])([\w.]*(?:model|booster|bst|clf|net|estimator)\w*)\.save\s*\(/i,
    via: 'save',
    parts: (args, receiver) => ({ object: receiver, dest: argument(args, 'filepath', 0) }),
  },
  { re: /(?<![\w])[\w.]+\.upload_file(?:obj)?\s*\(/, via: 'upload', parts: (args) => ({ object: args[0] ?? '', dest: argument(args, 'Key', 2) }) },
  { re: /(?<![\w])[\w.]+\.put_object\s*\(/, via: 'upload', parts: (args) => ({ object: argument(args, 'Body') ?? '', dest: argument(args, 'Key') }) },
  { re: /(?<![\w])[\w.]*\.blob\s*\((?=.*\.upload_from_)/, via: 'upload', parts: (args) => ({ object: '', dest: args[0] }) },
  { re: /(?<![\w])[\w.]+\.download_file\s*\(/, via: 'download', parts: (args) => ({ object: argument(args, 'Filename', 2) ?? '', dest: argument(args, 'Key', 1) }) },
  { re: /(?<![\w])[\w.]+\.get_object\s*\(/, via: 'download', parts: (args) => ({ object: '', dest: argument(args, 'Key') }) },
  { re: /(?<![\w])[\w.]*\.blob\s*\((?=.*\.download_(?:to|as))/, via: 'download', parts: (args) => ({ object: '', dest: args[0] }) },
  { re: /(?<![\w.])(?:shutil\.(?:copy|copy2|copyfile|copytree|move)|os\.(?:replace|rename))\s*\(/, via: 'copy', parts: pos(0, 1, 'dst') },
];

/** What every pattern of PATTERNS needs on an added line: a cheap first test. */
const MAY_WRITE_PY = /\.(?:dump|save\w*|upload_file\w*|put_object|blob|download_file|get_object)\s*\(|shutil\.|os\.(?:replace|rename)/i;
/** What CLI_COPY needs on an added line. */
const MAY_COPY_CLI = /aws\s+s3|gsutil|gcloud\s+storage|azcopy/;

const CLI_COPY = /\b(aws\s+s3\s+(?:cp|mv|sync)|gsutil\s+(?:-m\s+)?(?:cp|mv|rsync)|gcloud\s+storage\s+(?:cp|mv)|azcopy\s+copy)\s+(?:--?[\w-]+(?:[= ]\S+)?\s+)*(\S+)\s+(\S+)/;

/** Words and model-only extensions that make a saved object or a path a model artifact, not a data file. */
const MODELISH = /model|clf|classif|regress|estimator|pipeline|encoder|scaler|vectori[sz]er|tokenizer|booster|\bbst\b|weights|state_dict|checkpoint|ckpt|\.(?:onnx|h5|keras|safetensors|pt|pth)\b/i;
/** A staging copy or a managed output dir: SageMaker/Vertex version what lands there per job. */
const STAGING = /^\/tmp\/|(?:^|[/_.-])(?:tmp|temp)(?:[/_.-]|$)|tempfile|tmp_?path|tmp_?dir|\/opt\/ml\/model|SM_MODEL_DIR|AIP_MODEL_DIR/i;
/** A pointer file (`models/churn/LATEST`, `current.json`): writing it is how a versioned layout moves. */
const POINTER = /(?:^|\/)(?:latest|current|prod|production|live|stable|champion|active)(?:\.(?:txt|json|ya?ml))?$/i;

function pickleTarget(dest: string, lines: readonly HeadLine[]): string {
  const open = /^open\s*\((.+?),\s*["']w?b/.exec(dest.trim());
  if (open?.[1]) return open[1];
  if (!/^\w+$/.test(dest.trim())) return dest;
  for (const { text } of lines) {
    const m = new RegExp(`open\\s*\\((.+?),\\s*["']wb["']\\)\\s+as\\s+${dest.trim()}\\b`).exec(text) ?? new RegExp(`\\b${dest.trim()}\\s*=\\s*open\\s*\\((.+?),\\s*["']wb`).exec(text);
    if (m?.[1]) return m[1];
  }
  return dest;
}

/** Whether the file's added lines may hold an artifact write at all (a cheap test before `artifactWrites`). */
export function mayWriteArtifacts(file: ChangedFile): boolean {
  return addsMention(file, file.language === 'python' ? MAY_WRITE_PY : MAY_COPY_CLI);
}

/**
 * The artifact writes on the file's added lines, with their destinations resolved as far as the visible
 * lines go. Worked out once per file: two rules judge the same writes. Callers must not change the result.
 */
export const artifactWrites: (file: ChangedFile) => { writes: ArtifactWrite[]; lines: HeadLine[] } = memoByObject(findWrites);

function findWrites(file: ChangedFile): { writes: ArtifactWrite[]; lines: HeadLine[] } {
  const lines = visibleLines(file);
  const writes: ArtifactWrite[] = [];
  if (file.language === 'python') {
    const names = assignments(lines);
    lines.forEach((l, index) => {
      if (!l.added || commentLine(l.text, true)) return;
      for (const pattern of PATTERNS) {
        const m = pattern.re.exec(l.text);
        if (!m) continue;
        const args = callArgs(callText(lines, index, m.index));
        const { object, dest } = pattern.parts(args, m[1] ?? '');
        if (dest === undefined) continue;
        const target = /pickle|dill/.test(m[0]) ? pickleTarget(dest, lines) : dest;
        writes.push({ line: l.line, index, call: m[0].replace(/\s*\($/, ''), destExpr: target, dest: resolvePath(target, names), object, via: pattern.via });
        break;
      }
    });
  } else {
    lines.forEach((l, index) => {
      if (!l.added || /^\s*#/.test(l.text)) return;
      const m = CLI_COPY.exec(l.text);
      if (!m?.[3]) return;
      const destExpr = m[3].replace(/^["']|["']$/g, '');
      const vars = [...destExpr.matchAll(/\$\{\{?\s*([^}]+?)\s*\}?\}|\$\(([^)]*)\)|\$(\w+)/g)].map((v) => v[1] ?? v[2] ?? v[3] ?? '');
      const dest = vars.some(versiony) ? VERSIONED : destExpr.replace(/\$\{\{?[^}]*\}?\}|\$\([^)]*\)|\$\w+/g, UNKNOWN);
      writes.push({ line: l.line, index, call: (m[1] ?? '').replace(/\s+/g, ' '), destExpr, dest, object: m[2] ?? '', via: 'copy' });
    });
  }
  return { writes, lines };
}

/** The write as a code span: `joblib.dump(…)` for a call, `aws s3 cp` for a command. */
export function describeCall(write: ArtifactWrite): string {
  return code(/\s/.test(write.call) ? write.call : `${write.call}(…)`);
}

export function isModelArtifact(write: ArtifactWrite): boolean {
  const dest = typeof write.dest === 'string' ? write.dest : write.destExpr;
  // An upload or download is judged by its key alone: the local file name says little.
  return MODELISH.test(`${write.object} ${dest} ${write.destExpr}`) && !((write.via === 'upload' || write.via === 'download') && !MODELISH.test(dest));
}

export function isStagingOrPointer(write: ArtifactWrite): boolean {
  if (write.dest === VERSIONED) return false;
  return STAGING.test(write.dest) || STAGING.test(write.destExpr) || POINTER.test(write.dest.replace(/\/+$/, ''));
}

/** Path segments that name the live copy; `serving/` is left out, since a model baked into an image is versioned by the image. */
const LIVE_SEGMENT = /(?:^|[/_.-])(?:current|prod|production|live|latest|active|deployed|champion)(?=$|[/_.-])/i;
const LIVE_WORDS = new Set(['live', 'prod', 'production', 'current', 'active', 'deployed', 'champion']);

function normal(path: string): string {
  return path.replace(/^\.\//, '').replace(/\/+$/, '');
}

/** Per serving-side Python file of the change, the string literals it loads models from; read once per change. */
const loadedByServing = memoByObject((changeSet: ChangeSet): Map<ChangedFile, Set<string>> => {
  const byFile = new Map<ChangedFile, Set<string>>();
  for (const f of changeSet.files) {
    if (f.language !== 'python' || sideOf(f.path) !== 'serving' || kindOf(f.path) !== 'source') continue;
    const out = new Set<string>();
    for (const { text } of visibleLines(f)) {
      if (!/load|from_pretrained|InferenceSession|MODEL|download|get_object/.test(text)) continue;
      for (const m of text.matchAll(/["']([^"'\s]+)["']/g)) if (m[1] && MODELISH.test(m[1])) out.add(normal(m[1]));
    }
    byFile.set(f, out);
  }
  return byFile;
});

/** Whether a serving-side Python file of the change other than `self` loads a model from `path`: a write must not clobber it. */
function servingLoads(changeSet: ChangeSet, self: ChangedFile, path: string): boolean {
  for (const [f, paths] of loadedByServing(changeSet)) if (f !== self && paths.has(path)) return true;
  return false;
}

/**
 * Why a write replaces the model the serving side uses, or undefined: a live location in the path
 * (`/prod/`, `current`, `latest`), a live name for it (`LIVE_MODEL_PATH`), or the very path a serving
 * file of this change loads.
 */
export function liveReason(write: ArtifactWrite, changeSet: ChangeSet, self: ChangedFile): string | undefined {
  if (write.dest === VERSIONED || write.via === 'download') return undefined;
  const dest = write.dest;
  if (LIVE_SEGMENT.test(dest)) return `${dest.includes(UNKNOWN) ? write.destExpr : dest}`;
  for (const id of write.destExpr.match(/[A-Za-z_]\w*/g) ?? []) {
    const words = id.toLowerCase().split('_');
    if (words.some((w) => LIVE_WORDS.has(w)) && /model/i.test(id)) return id;
  }
  if (!dest.includes(UNKNOWN) && servingLoads(changeSet, self, normal(dest))) return dest;
  return undefined;
}
