// `wasm-plugins wit-json <file-or-folder>`: prints the resolved-package JSON of a WIT file or folder exactly as
// `wasm-tools component wit --json` does, so plugin authors can run wit2ts without installing wasm-tools.
import { Command } from './main';
import { Io } from './io';
import { formatWitJson, witToJson, WitError } from '../core/wit/index';

const USAGE = 'usage: wasm-plugins wit-json [--features a,b] [--all-features] <file-or-folder>\n';

export const witJsonCommand: Command = {
  summary: 'print the resolved JSON of a WIT file or folder (like `wasm-tools component wit --json`)',
  usage: USAGE,
  async run(args: string[], io: Io): Promise<number> {
    const features: string[] = [];
    let allFeatures = false;
    const inputs: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === '--help' || a === '-h') {
        io.out(USAGE);
        return 0;
      } else if (a === '--all-features') {
        allFeatures = true;
      } else if (a === '--features' || a.startsWith('--features=')) {
        const value = a === '--features' ? args[++i] : a.slice('--features='.length);
        if (value === undefined || value === '') {
          io.err(`wasm-plugins wit-json: --features needs a value\n${USAGE}`);
          return 2;
        }
        features.push(...value.split(',').map((f) => f.trim()).filter((f) => f !== ''));
      } else if (a.startsWith('-') && a !== '-') {
        io.err(`wasm-plugins wit-json: unknown option '${a}'\n${USAGE}`);
        return 2;
      } else {
        inputs.push(a);
      }
    }
    if (inputs.length !== 1) {
      io.err(USAGE);
      return 2;
    }
    const input = inputs[0];
    try {
      const json = witToJson(input, { features, allFeatures, cwd: io.cwd });
      io.out(formatWitJson(json));
      return 0;
    } catch (e) {
      if (e instanceof WitError) {
        io.err(`${e.message}\n`);
        return 1;
      }
      throw e;
    }
  },
};
