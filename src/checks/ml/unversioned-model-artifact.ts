import type { ChangeSet, ChangedFile } from '../../changeset/types.js';
import type { Rule, RuleHit } from '../types.js';
import { code } from '../../render/escape.js';
import { commentLine } from '../lines.js';
import { artifactWrites, describeCall, isModelArtifact, isStagingOrPointer, liveReason, mayWriteArtifacts, type ArtifactWrite } from './artifact-writes.js';
import { addsMention } from '../text.js';
import { isTestOrNotebook, looksVersioned, sideOf, MODEL_SERVER_IMAGE, UNKNOWN, VERSIONED, visibleLines } from './lifecycle-util.js';

const LANGUAGES = new Set(['python', 'yaml', 'shell', 'json', 'toml', 'typescript', 'javascript', 'dockerfile']);
/** `models:/churn/latest` or a stage URI; `models:/churn/7` and `models:/churn@champion` are pinned. */
const REGISTRY_URI = /models:\/([\w.-]+)\/(latest|production|staging|archived|none)\b/i;
const URI_KEY = /^\s*-?\s*(storageUri|storage_uri|modelUri|model_uri|modelDataUrl|ModelDataUrl)\s*:\s*["']?([^"'\s#]+)/;
const IMAGE_KEY = /^\s*-?\s*image\s*:\s*["']?([^"'\s#]+)/;
/** What configHits needs on an added line: a registry URI, or in YAML a URI key or an image. */
const MAY_CONFIG = /models:\//i;
const MAY_CONFIG_YAML = /models:\/|storageUri|storage_uri|modelUri|model_uri|modelDataUrl|ModelDataUrl|image\s*:/i;
/** Trackers that version what they are given: a local save next to them is a staging copy. */
const TRACKED = /\bmlflow\.(?:\w+\.)?log_(?:artifacts?|model)\s*\(|\bwandb\b.*\blog_artifact|\.log_artifact\s*\(|aiplatform\.Model\.upload|\bbentoml\.\w+\.save_model\s*\(/;

const REMEDY_WRITE =
  'Write each model to its own location: a version, the training run id, the git sha or a UTC timestamp in the path ' +
  '(`models/churn/{run_id}/model.joblib`), or log it to a registry (`mlflow.sklearn.log_model(..., registered_model_name="churn")`) ' +
  'and have serving load a pinned version or alias; keep older versions for rollback.';

function writeHit(write: ArtifactWrite, dest: string): RuleHit {
  const what = { save: 'saves the model to', upload: 'uploads the model to', copy: 'copies the model to', download: 'fetches the model from' }[write.via];
  return {
    line: write.line,
    title: `Model artifact at a fixed, unversioned location ${code(dest)}`,
    message:
      `${describeCall(write)} ${what} ${code(dest)}, a location with no version, run id, commit or date in it. ` +
      (write.via === 'download'
        ? 'Whatever was uploaded there last is what the next cold start serves: instances started at different times can run ' +
          'different models, and nothing records which one answered a request.'
        : 'Every training run replaces the last artifact there, so a prediction cannot be traced to the model that made it, and ' +
          'when the new model misbehaves there is no earlier version to roll back to.'),
    remedy: REMEDY_WRITE,
  };
}

function writeHits(file: ChangedFile, changeSet: ChangeSet): RuleHit[] {
  if (!mayWriteArtifacts(file)) return [];
  const { writes, lines } = artifactWrites(file);
  const tracked = file.language === 'python' && lines.some((l) => TRACKED.test(l.text));
  const hits: RuleHit[] = [];
  for (const write of writes) {
    if (write.dest === VERSIONED || (write.via === 'copy' && file.language === 'python')) continue;
    if (!isModelArtifact(write) || isStagingOrPointer(write) || (tracked && write.via === 'save')) continue;
    // Training fetching a base model or a dataset is not what serves traffic.
    if (write.via === 'download' && sideOf(file.path) === 'training') continue;
    // The bucket is often a variable; the key after it still tells whether the path is versioned.
    const dest = write.dest.replace(/^([a-z0-9]+:\/\/)\{\?\}/, '$1<bucket>');
    if (dest.includes(UNKNOWN) || looksVersioned(dest)) continue;
    if (liveReason(write, changeSet, file)) continue; // model-overwritten-in-place says it, louder
    hits.push(writeHit(write, dest));
  }
  return hits;
}

function uriHit(line: number, uri: string, name: string, label: string): RuleHit {
  const latest = label.toLowerCase() === 'latest';
  return {
    line,
    title: `Registry URI ${code(uri)} is not pinned to a version`,
    message: latest
      ? `${code(uri)} resolves to whichever version of ${code(name)} was registered last. The next registration changes ` +
        'what a restart or a scale-out loads, without a deploy: replicas can serve different models, and nothing records which one is live.'
      : `${code(uri)} follows the ${code(label)} stage of ${code(name)}. Stages are deprecated since MLflow 2.9, and what the URI ` +
        'loads changes whenever someone transitions a version in the registry: a restart can pick up an unreviewed model, and ' +
        'this repository never records which version is live.',
    remedy:
      `Pin the version (${code(`models:/${name}/<version>`)}) and bump it in a reviewed change, or use an alias ` +
      `(${code(`models:/${name}@champion`)}) set by a gated promotion step, so a rollback is moving the alias back.`,
  };
}

function configHits(file: ChangedFile): RuleHit[] {
  if (!addsMention(file, file.language === 'yaml' ? MAY_CONFIG_YAML : MAY_CONFIG)) return [];
  const hits: RuleHit[] = [];
  for (const l of visibleLines(file)) {
    if (!l.added || commentLine(l.text, file.language !== 'typescript' && file.language !== 'javascript')) continue;
    const uri = REGISTRY_URI.exec(l.text);
    if (uri?.[1] && uri[2]) {
      hits.push(uriHit(l.line, uri[0], uri[1], uri[2]));
      continue;
    }
    if (file.language !== 'yaml') continue;
    const key = URI_KEY.exec(l.text);
    if (key?.[1] && key[2] && /^[a-z0-9]+:\/\//i.test(key[2]) && !/^(?:hf|models):/.test(key[2]) && !/\$|\{/.test(key[2]) && !looksVersioned(key[2].replace(/^[a-z0-9]+:\/\/[^/]+/i, ''))) {
      hits.push({
        line: l.line,
        title: `${code(key[1])} has no version segment`,
        message:
          `${code(`${key[1]}: ${key[2]}`)} points at a location with no version in it: whatever is uploaded there next is what the ` +
          'next pod start loads. Replicas started at different times can serve different models, and rolling back means ' +
          're-uploading an old artifact by hand.',
        remedy: `Point at an immutable, versioned location (${code(`${key[2].replace(/\/+$/, '')}/v12`)}, a run id or a date) and change it in a reviewed PR to roll forward or back.`,
      });
      continue;
    }
    const image = IMAGE_KEY.exec(l.text)?.[1];
    if (!image || image.includes('@sha256:') || /\$|\{/.test(image) || !MODEL_SERVER_IMAGE.test(image.replace(/:[^/:]*$/, ''))) continue;
    const tag = /:([^/:]+)$/.exec(image)?.[1];
    if (tag !== undefined && tag !== 'latest') continue;
    hits.push({
      line: l.line,
      title: `Model image ${code(image)} is not pinned`,
      message:
        `${code(image)} ${tag === undefined ? 'has no tag, so it means `:latest`' : 'uses the moving `:latest` tag'}: each node pulls ` +
        'whatever was pushed last, so pods of one deployment can run different models or server versions, and there is no tag to roll back to.',
      remedy: 'Pin an immutable tag (the model version or the git sha, e.g. `:1.8.2`) or a digest (`@sha256:…`), and change it in a reviewed PR.',
    });
  }
  return hits;
}

function check(file: ChangedFile, changeSet: ChangeSet): RuleHit[] {
  if (isTestOrNotebook(file.path)) return [];
  const hits = [...configHits(file), ...(file.language === 'python' || file.language === 'yaml' || file.language === 'shell' ? writeHits(file, changeSet) : [])];
  // One finding per line: a registry URI and a write on the same line are one problem.
  const lines = new Set<number | undefined>();
  return hits.filter((h) => !lines.has(h.line) && lines.add(h.line) !== undefined);
}

export const unversionedModelArtifact: Rule = {
  id: 'unversioned-model-artifact',
  summary: 'A model saved, uploaded or referenced for serving at a fixed location with no version: `model.pkl`, `models:/x/latest` or a stage, `:latest`, a storageUri with no version',
  why: 'Each run replaces the artifact at that location: predictions cannot be traced to a model, replicas can serve different models, and there is no earlier version to roll back to.',
  remedy: 'Put a version, run id, git sha or date in the path, or use a registry with a pinned version or alias (`models:/name/12`, `models:/name@champion`); pin image tags.',
  severity: 'medium',
  kind: 'problem',
  scope: 'Python, YAML, shell or config files (not tests or notebooks)',
  appliesTo: (file) => (LANGUAGES.has(file.language) || /(?:^|\/)MLproject$/.test(file.path)) && !isTestOrNotebook(file.path),
  readsWholeChange: true,
  check,
};
