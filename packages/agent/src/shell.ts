/**
 * What an interactive shell in the cell needs around it: a home with start-up files (the
 * home is a fresh tmpfs in every cell) and a history file on the persisted workspace.
 */
import { chown, lchown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { lstatOrUndefined } from './workspace';

export const HISTORY_FOLDER = '.workcell';

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

// Debian's /etc/bash.bashrc sets PS1 after the environment is read, so the prompt and the
// history settings live in ~/.bashrc, which a login shell reaches through ~/.profile.
const profile = `# Written by the Workcell agent: login shells read the interactive settings too.
if [ -n "$BASH_VERSION" ] && [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi
`;

function bashrc(historyFile: string): string {
  return `# Written by the Workcell agent; this home is recreated at every cell start.
case $- in *i*) ;; *) return ;; esac
HISTFILE=${quote(historyFile)}
HISTSIZE=10000
HISTFILESIZE=100000
HISTCONTROL=ignoredups
shopt -s histappend checkwinsize
PROMPT_COMMAND='history -a'
PS1='\\[\\e[1;32m\\]\\u@workspace\\[\\e[0m\\]:\\[\\e[1;34m\\]\\w\\[\\e[0m\\]\\$ '
alias ls='ls --color=auto' grep='grep --color=auto'
`;
}

/**
 * Creates the home (owned by the user) with a default ~/.profile and ~/.bashrc unless the
 * user has their own. Idempotent.
 */
export async function prepareHome(options: {
  root: string;
  home: string;
  owner: { uid: number; gid: number } | undefined;
}): Promise<void> {
  const { root, home, owner } = options;
  await makeOwnedFolder(home, owner);
  const files = {
    '.profile': profile,
    '.bashrc': bashrc(join(root, HISTORY_FOLDER, 'bash_history')),
  };
  for (const [name, content] of Object.entries(files)) {
    const path = join(home, name);
    if (await lstatOrUndefined(path)) continue;
    await writeFile(path, content, { mode: 0o644 });
    if (owner) await chown(path, owner.uid, owner.gid);
  }
}

/**
 * Creates the history folder in the workspace unless it exists. Checked as each shell
 * starts, not once: a warm pool's spare starts its agent before any workspace's volume is
 * mounted at the root.
 */
export function ensureHistoryFolder(options: {
  root: string;
  owner: { uid: number; gid: number } | undefined;
}): Promise<void> {
  return makeOwnedFolder(join(options.root, HISTORY_FOLDER), options.owner);
}

/**
 * lchown: the history folder is made while user code may run, and a symbolic link put in
 * its place between the check and the mkdir must not turn into a chown of its target.
 */
async function makeOwnedFolder(
  folder: string,
  owner: { uid: number; gid: number } | undefined,
): Promise<void> {
  if (await lstatOrUndefined(folder)) return;
  await mkdir(folder, { recursive: true, mode: 0o755 });
  if (owner) await lchown(folder, owner.uid, owner.gid);
}
