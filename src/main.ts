import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as core from '@actions/core';
import { publishChecks, publishOnPullRequest } from './action/publish.js';
import { previousReview, type PreviousReview } from './action/scope.js';
import { createClient } from './github/client.js';
import { readEvent } from './github/event.js';
import { GitHubReader } from './github/reader.js';
import { changeSetFromPullRequest } from './github/source.js';
import { llmFiles, reconcile } from './incremental.js';
import { llmSettings } from './llm/types.js';
import { reviewChange } from './pipeline.js';
import { checkEarly } from './engine.js';
import { assembleCatalog } from './catalog.js';
import { renderMarkdown } from './render/markdown.js';
import { sarifOptions, toSarif } from './report/sarif.js';
import type { Report } from './report/types.js';
import { gateFails, readSettings, type Settings } from './settings.js';

/** The job summary takes 1 MiB; this many UTF-16 units stays under it even for three-byte characters. */
const SUMMARY_LIMIT = 340_000;

/** Said in the review when a fork's pull request runs without the key (GitHub gives forks no secrets). */
export const FORK_WITHOUT_KEY =
  'This pull request comes from a fork, and GitHub does not give workflows on forks the repository secrets, so there is no Anthropic key: this is the offline review only.';

async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

function setOutputs(settings: Settings, report: Report): void {
  core.setOutput('status', report.status);
  core.setOutput('findings-count', String(report.findings.length));
  core.setOutput('report-path', settings.reportPath);
  if (settings.sarifFile) core.setOutput('sarif-file', settings.sarifFile);
  core.setOutput('llm-calls', String(report.usage.llmCalls));
  core.setOutput('input-tokens', String(report.usage.inputTokens));
  core.setOutput('output-tokens', String(report.usage.outputTokens));
  core.setOutput('cache-read-tokens', String(report.usage.cacheReadTokens));
  core.setOutput('cache-write-tokens', String(report.usage.cacheWriteTokens));
  core.setOutput('estimated-cost-usd', report.usage.estimatedCostUsd.toFixed(4));
}

/** The action: review the pull request of this event and publish the result. Never throws. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const settings = readSettings((name) => core.getInput(name), env);
    if (settings.llm.apiKey) core.setSecret(settings.llm.apiKey);
    const event = readEvent(env);
    if (event.kind === 'ignored') {
      core.info(event.reason);
      return;
    }
    if (!settings.token) {
      throw new Error('No GitHub token: pass `github-token` (the default, `${{ github.token }}`, works with `permissions: pull-requests: write`).');
    }
    const client = createClient({
      token: settings.token,
      baseUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
      userAgent: 'architect-review',
      warn: (m) => core.warning(m),
    });
    const target = { owner: event.owner, repo: event.repo };
    const reader = new GitHubReader(client, target, { base: event.pr.baseSha, head: event.pr.headSha }, (m) => core.warning(m), (m) => core.info(m));
    const where = { ...target, number: event.pr.number };
    // The previous review is read while the files are listed: neither needs the other.
    const previousRead: Promise<PreviousReview> = settings.comment
      ? previousReview(client, where, event.pr, (m) => core.warning(m))
      : Promise.resolve({ scope: { mode: 'full' } });
    // Awaited below; until then a failure must not count as unhandled (the listing may fail first).
    previousRead.catch(() => undefined);
    const listed = await changeSetFromPullRequest(
      client,
      { ...target, ...(event.changedFiles === undefined ? {} : { changedFiles: event.changedFiles }) },
      event.pr,
    );
    const llm = settings.llm.apiKey ? llmSettings(settings.llm, env) : undefined;
    // The rules start on the change now, and work while the configuration and agents (and the previous review, if still on its way) are read:
    // routed for the bundled agents, which the repository's configuration and own agents seldom change.
    const early = checkEarly(listed.changeSet, settings.builtinAgents ? assembleCatalog([], true).then((c) => c.agents) : undefined);
    const { previous, sticky, scope } = await previousRead.catch(async (error: unknown) => {
      await early.stop();
      throw error;
    });

    const llmScope = llmFiles(previous, scope);
    const notices = [...listed.notices, ...(!llm && event.pr.fork ? [FORK_WITHOUT_KEY] : [])];
    if (llm) core.info(`LLM review on: ${llm.model}, at most ${llm.maxInputTokens} input tokens.`);
    const reviewed = await reviewChange(listed.changeSet, reader, {
      configPath: settings.configPath,
      agentsPath: settings.agentsPath,
      builtinAgents: settings.builtinAgents,
      notices,
      warn: (m) => core.warning(m),
      early,
      ...(llm ? { llm: { settings: llm, ...(llmScope ? { onlyFiles: llmScope } : {}) } } : {}),
    }).finally(() => early.stop());
    const prFiles = new Set([...listed.changeSet.files.map((f) => f.path), ...listed.changeSet.skipped.map((s) => s.path)]);
    const { report, toPost, state } = reconcile(previous, reviewed, scope, prFiles);
    await writeJson(settings.reportPath, report);
    if (settings.sarifFile) {
      const repoUrl = env.GITHUB_ACTION_REPOSITORY ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_ACTION_REPOSITORY}` : undefined;
      await writeJson(settings.sarifFile, toSarif(report, sarifOptions(repoUrl ? { informationUri: repoUrl } : {})));
    }

    // The outputs first: whatever publishing meets, a later step can read the result.
    setOutputs(settings, report);
    const log = { info: core.info, notice: (m: string) => core.notice(m), warning: (m: string) => core.warning(m) };
    const notes: string[] = [];
    const headSha = event.pr.headSha;
    const posted = await publishOnPullRequest(client, where, { report, toPost, state, ...(previous ? { previous } : {}), ...(sticky === undefined ? {} : { sticky }), changeSet: listed.changeSet, headSha, settings }, log);
    notes.push(...posted.notes);
    notes.push(...(await publishChecks(client, target, { report, headSha: event.pr.headSha, settings }, core, log)).notes);

    const summary = renderMarkdown(report, { maxLength: SUMMARY_LIMIT, marker: false, fullReportHint: settings.reportPath });
    const preface = notes.map((n) => `> [!NOTE]\n> ${n}\n\n`).join('');
    await core.summary.addRaw(`${preface}${summary}`, true).write();

    core.info(`Architect Review: ${report.status}, ${report.findings.length} finding(s), ${report.agents.length} agent(s).`);
    if (gateFails(settings.failOn, report.status)) {
      core.setFailed(`Architect Review status is ${report.status} (fail-on: ${settings.failOn}).`);
    }
  } catch (error) {
    core.setFailed((error as Error).message);
  }
}
