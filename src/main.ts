import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as core from '@actions/core';
import { createClient } from './github/client.js';
import { readEvent } from './github/event.js';
import { GitHubReader } from './github/reader.js';
import { reviewChange } from './pipeline.js';
import { changeSetFromPullRequest } from './github/source.js';
import { upsertStickyComment } from './github/publish.js';
import { COMMENT_LIMIT, SUMMARY_MARKER, renderMarkdown } from './render/markdown.js';
import { gateFails, readSettings } from './settings.js';
import type { Report } from './report/types.js';

/** The job summary takes 1 MiB; this many UTF-16 units stays under it even for three-byte characters. */
const SUMMARY_LIMIT = 340_000;

async function writeReport(path: string, report: Report): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
}

/** The action: review the pull request of this event and publish the result. Never throws. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const settings = readSettings((name) => core.getInput(name), env);
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
    const reader = new GitHubReader(client, target, { base: event.pr.baseSha, head: event.pr.headSha }, (m) => core.warning(m));
    const listed = await changeSetFromPullRequest(
      client,
      { ...target, ...(event.changedFiles === undefined ? {} : { changedFiles: event.changedFiles }) },
      event.pr,
    );
    const report = await reviewChange(listed.changeSet, reader, {
      configPath: settings.configPath,
      agentsPath: settings.agentsPath,
      builtinAgents: settings.builtinAgents,
      notices: listed.notices,
      warn: (m) => core.warning(m),
    });
    await writeReport(settings.reportPath, report);

    let summaryNote = '';
    if (settings.comment && event.pr.number !== undefined) {
      const body = renderMarkdown(report, { maxLength: COMMENT_LIMIT, marker: true, fullReportHint: 'the job summary of this run' });
      const posted = await upsertStickyComment(client, { ...target, issueNumber: event.pr.number }, SUMMARY_MARKER, body);
      if (posted.kind === 'forbidden') {
        summaryNote = 'The token could not comment on the pull request (read-only, as on pull requests from forks), so the review is here only.';
        core.notice(`${summaryNote} (${posted.message})`);
      } else {
        core.info(`Review ${posted.kind}: ${posted.url}`);
      }
    }
    const summary = renderMarkdown(report, { maxLength: SUMMARY_LIMIT, marker: false, fullReportHint: settings.reportPath });
    await core.summary.addRaw(summaryNote ? `> [!NOTE]\n> ${summaryNote}\n\n${summary}` : summary, true).write();

    core.setOutput('status', report.status);
    core.setOutput('findings-count', String(report.findings.length));
    core.setOutput('report-path', settings.reportPath);
    core.info(`Architect Review: ${report.status}, ${report.findings.length} finding(s), ${report.agents.length} agent(s).`);
    if (gateFails(settings.failOn, report.status)) {
      core.setFailed(`Architect Review status is ${report.status} (fail-on: ${settings.failOn}).`);
    }
  } catch (error) {
    core.setFailed((error as Error).message);
  }
}
