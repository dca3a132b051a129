/** The agent's diagnostics go to stderr: a log file or /dev/null in a cell, never the channel. */
export function log(message: string): void {
  process.stderr.write(`workcell-agent: ${message}\n`);
}
