import { z } from 'zod';

export const STATUSES = ['ok', 'needs_info', 'blocked'] as const;
export type Status = (typeof STATUSES)[number];

export const ChecklistItemSchema = z.object({
  /** Stable slug, unique within the agent: `test-inference-latency`, `plan-for-failure`. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  title: z.string().min(1),
  /** The explanation that follows the title in the agent file, if any. */
  detail: z.string().optional(),
  /** Where the item came from in the agent file. */
  source: z.enum(['verify', 'best-practice', 'gotcha', 'review']),
});
export type ChecklistItem = z.infer<typeof ChecklistItemSchema>;

export const GotchaSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  text: z.string().min(1),
});
export type Gotcha = z.infer<typeof GotchaSchema>;

/** The `review:` block of an agent's front matter: what routing and the offline checks need. */
export const ReviewBlockSchema = z
  .object({
    /** Globs (picomatch, matched against repo-relative paths) of files this agent reviews. */
    paths: z.array(z.string().min(1)).default([]),
    /** Globs of files this agent never reviews, even when `paths` matches. */
    exclude: z.array(z.string().min(1)).default([]),
    /** Module names whose import in an added line routes the file here (`torch`, `sklearn`, `@tensorflow/tfjs`). */
    imports: z.array(z.string().min(1)).default([]),
    /** Regular expressions over added lines that route the file here. */
    content: z.array(z.string().min(1)).default([]),
    /** Extra trigger phrases, matched case-insensitively in the PR title and body. */
    triggers: z.array(z.string().min(1)).default([]),
    /** Extra checklist items, beyond what the body yields (verify steps, best practices, gotchas). */
    checklist: z
      .array(
        z
          .object({
            id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
            title: z.string().min(1),
            detail: z.string().min(1).optional(),
          })
          .strict(),
      )
      .default([]),
    /** Built-in rule id → the id of the checklist item it gives a verdict on, or a list of them. */
    rules: z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)])).default({}),
  })
  .strict();
export type ReviewBlock = z.infer<typeof ReviewBlockSchema>;

/** The checklist items a `review.rules` entry names: one, or a list (a rule can settle a verify step and a gotcha alike). */
export function itemsOf(entry: string | readonly string[]): readonly string[] {
  return typeof entry === 'string' ? [entry] : entry;
}

export const AgentSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
  description: z.string().min(1),
  model: z.string().optional(),
  /** Path of the file the agent was read from, for messages. */
  file: z.string(),
  format: z.enum(['markdown', 'xml']),
  role: z.string().optional(),
  triggers: z.array(z.string()),
  focusAreas: z.array(z.string()),
  checklist: z.array(ChecklistItemSchema),
  gotchas: z.array(GotchaSchema),
  boundaries: z.object({ will: z.array(z.string()), willNot: z.array(z.string()) }),
  relatedAgents: z.array(z.string()),
  statuses: z.array(z.enum(STATUSES)),
  review: ReviewBlockSchema,
  /** The whole file body after the front matter: the system prompt for the LLM reviewer. */
  prompt: z.string(),
});
export type Agent = z.infer<typeof AgentSchema>;
