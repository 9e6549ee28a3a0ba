/**
 * How the `teiki` command speaks when commander does the talking: its own errors (unknown option,
 * missing argument, a required option not given) as the README's one line `teiki: …` with exit 2,
 * and `--help` that marks every required option.
 */
import { type Command, Help, type Option } from 'commander';

/** `teiki depot publish` for the command `publish` under `depot`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * commander's message ("error: unknown option '--kye'\n(Did you mean --key?)\n") as one line:
 * `teiki: unknown option '--kye' (did you mean --key?); see "teiki depot publish --help"`.
 */
export function commanderErrorLine(message: string, cmd: Command): string {
  const text = message
    .replace(/^error:\s*/i, '')
    .replace(/\s*\n\s*\(Did you mean/g, ' (did you mean')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
  return `teiki: ${text}; see "${commandPath(cmd)} --help"\n`;
}

/** An option's description in --help, with "(required)" on the ones that must be given. */
export function describeOption(helper: Help, option: Option): string {
  const text = Help.prototype.optionDescription.call(helper, option);
  return option.mandatory ? `${text} (required)` : text;
}

/** Applies the error format and the required marks to `cmd` and every command under it. */
export function applyCliConventions(root: Command): void {
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const cmd of all(root)) {
    cmd.exitOverride();
    cmd.configureOutput({ outputError: (str, write) => write(commanderErrorLine(str, cmd)) });
    cmd.configureHelp({
      optionDescription(this: Help, option: Option) {
        return describeOption(this, option);
      },
    });
  }
}
