import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The temp dirs this test file made, and the work (child processes) still using them.
const dirs: string[] = [];
const users: { work: Promise<unknown>; stop: () => void }[] = [];

/** A new directory under the OS temp dir; the calling file removes it with `afterAll(removeTempDirs)`. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/**
 * Holds the removal back until `work` settles: a child process writing in a temp dir must have exited.
 * `stop` ends the work should it still run at removal (a test that timed out): killing an exited child does nothing.
 */
export function keepTempDirsUntil(work: Promise<unknown>, stop: () => void): void {
  users.push({ work, stop });
}

export async function removeTempDirs(): Promise<void> {
  const running = users.splice(0);
  for (const { stop } of running) stop();
  await Promise.allSettled(running.map((u) => u.work));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
