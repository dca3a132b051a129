/**
 * The fields of `/proc/<pid>/stat` (proc(5)) from the third, the state, on: those after
 * the command name, which may itself hold spaces and parentheses. Index 0 is the state,
 * 1 the parent's pid, 3 the session, 5 the terminal's foreground group, 11–14 the CPU
 * times, 19 the start time.
 */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
