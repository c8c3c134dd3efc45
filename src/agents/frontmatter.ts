import { parseDocument } from 'yaml';

/**
 * A problem with one agent file. The message always starts with the file, then the field when
 * there is one: `agents/foo.md: review.paths[2]: expected a string`.
 *
 * Defined here, in the first stage of parsing, so every stage can throw it without an import
 * cycle; `parse.ts` re-exports it as part of its public surface.
 */
export class AgentFileError extends Error {
  constructor(
    readonly file: string,
    /** Dotted path of the offending field (`review.paths[2]`), or '' for the file as a whole. */
    readonly fieldPath: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(fieldPath ? `${file}: ${fieldPath}: ${detail}` : `${file}: ${detail}`, options);
    this.name = 'AgentFileError';
  }
}

export interface FrontMatter {
  /** The YAML mapping, as plain data. Empty front matter gives `{}`. */
  data: Record<string, unknown>;
  /** Everything after the closing `---` line, with line endings normalised to `\n`. */
  body: string;
  /** 1-based line number, in the file, of the body's first line (for messages). */
  bodyLine: number;
}

const FENCE = /^---[ \t]*$/;

/** Splits `---\n<yaml>\n---\n<body>` and parses the YAML. Tolerates a BOM and CRLF line endings. */
export function splitFrontMatter(text: string, file: string): FrontMatter {
  const lines = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
  if (!FENCE.test(lines[0] ?? '')) {
    throw new AgentFileError(file, '', 'no YAML front matter (the file must start with ---)');
  }
  const close = lines.findIndex((line, index) => index > 0 && FENCE.test(line));
  if (close === -1) {
    throw new AgentFileError(file, '', 'the front matter is not closed (no --- line after the first one)');
  }
  const yamlText = lines.slice(1, close).join('\n');
  return {
    data: parseYaml(yamlText, file),
    body: lines.slice(close + 1).join('\n'),
    bodyLine: close + 2,
  };
}

function parseYaml(yamlText: string, file: string): Record<string, unknown> {
  const doc = parseDocument(yamlText, { prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    // +1: the YAML starts on the file's second line, after the opening ---.
    const line = lineAt(yamlText, error.pos[0]) + 1;
    throw new AgentFileError(file, '', `front matter is not valid YAML (line ${line}: ${error.message})`, {
      cause: error,
    });
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (cause) {
    // yaml throws here for excessive alias expansion ("billion laughs"), not for syntax.
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new AgentFileError(file, '', `front matter could not be read (${reason})`, { cause });
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new AgentFileError(
      file,
      '',
      'front matter must be a YAML mapping (name: ..., description: ...), not a list or a single value',
    );
  }
  return data as Record<string, unknown>;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}
