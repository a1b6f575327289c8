// `wasm-plugins`: the plugin-author command line over the core. Each subcommand lives in its own module and
// returns the process exit code; output goes through the `Io` it is given so tests can capture it.
import { Io, processIo } from './io';
import { witJsonCommand } from './witJson';
import { generateCommand } from './generate';
import { embedManifestCommand } from './embedManifest';

export interface Command {
  readonly summary: string;
  readonly usage: string;
  run(args: string[], io: Io): Promise<number>;
}

export const commands: Record<string, Command> = {
  'wit-json': witJsonCommand,
  generate: generateCommand,
  'embed-manifest': embedManifestCommand,
};

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : commands[name];
  if (command === undefined) {
    if (name !== undefined && name !== '--help' && name !== '-h' && name !== 'help') {
      io.err(`wasm-plugins: unknown command '${name}'.\n`);
    }
    io.err('usage: wasm-plugins <command> [arguments]\n\ncommands:\n');
    for (const [key, c] of Object.entries(commands)) io.err(`  ${key.padEnd(16)} ${c.summary}\n`);
    return name === undefined || name.startsWith('-') || name === 'help' ? 0 : 2;
  }
  return command.run(rest, io);
}
