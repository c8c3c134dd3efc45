/** A change to review, whatever it came from: a GitHub pull request, two local git refs, or a unified diff. */

export type FileStatus = 'added' | 'modified' | 'removed' | 'renamed' | 'copied';

export interface DiffLine {
  kind: 'add' | 'del' | 'context';
  text: string;
  /** Line number on the base side (context and deleted lines). */
  oldLine?: number;
  /** Line number on the head side (context and added lines). */
  newLine?: number;
}

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** The text after the second `@@`: git's guess at the enclosing function or class. */
  header: string;
  lines: DiffLine[];
}

export interface ChangedFile {
  path: string;
  previousPath?: string;
  status: FileStatus;
  language: string;
  hunks: Hunk[];
  additions: number;
  deletions: number;
  /**
   * The whole file as it is at the head, when a rule asked for it (`Rule.wantsContent`) and the
   * source could read it (git objects, the GitHub API). Rules must also work without it.
   */
  content?: string;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface PullRequestInfo {
  number?: number;
  title: string;
  body: string;
  labels: string[];
  baseSha?: string;
  headSha?: string;
  author?: string;
  /** The head branch lives in another repository: the token is read-only and secrets are absent. */
  fork: boolean;
}

export interface ChangeSet {
  pr: PullRequestInfo;
  files: ChangedFile[];
  /** Files that changed but whose content could not be read (binary, patch too large, listing cap). */
  skipped: SkippedFile[];
}
