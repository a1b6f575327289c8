// The jco peer of P1: the very same core module (bench-echo.wasm) made into a component for world `plugin` of
// wit/since-v0.1.0 with jco's wasm-tools (componentEmbed + componentNew, run as wasm, offline), then transpiled to
// JavaScript by jco and imported. The module imports nothing, so the component imports nothing either (wit-component
// drops the world's unused imports) and instantiating it needs no host functions. The transpilation is cached under
// .build/bench/ by the hash of its inputs.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILD_DIR, packageVersion, ROOT } from './setup';

/** The exports of the transpiled component (jco's JS shapes: variants are `{ tag: 'kebab-name', val }`). */
export interface JcoEcho {
  runCommand(id: string, args: string): { value?: string; actions: unknown[] };
  handleEvent(event: { tag: string; val: unknown }): { tag: string; val: unknown }[];
}

// Typed as `Function` so that tsc (CommonJS output) keeps a real dynamic import() for these ES modules.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<any>;

const WIT_DIR = path.join(ROOT, 'wit', 'since-v0.1.0');

/** The world's WIT as one source text (one package, several files). */
function witSource(): string {
  const files = fs.readdirSync(WIT_DIR).filter((f) => f.endsWith('.wit')).sort();
  return files.map((f, i) => {
    const text = fs.readFileSync(path.join(WIT_DIR, f), 'utf8');
    return i === 0 ? text : text.replace(/^\s*package\s+[^;]+;/m, '');
  }).join('\n');
}

/** Builds (or reuses) the transpiled component and instantiates it. */
export async function loadJcoEcho(coreModule: Uint8Array): Promise<{ echo: JcoEcho; cached: boolean; dir: string }> {
  const wit = witSource();
  const version = packageVersion('@bytecodealliance/jco');
  const hash = createHash('sha256').update(coreModule).update(wit).update(version).digest('hex').slice(0, 16);
  const dir = path.join(BUILD_DIR, `jco-${hash}`);
  const entry = path.join(dir, 'bench_echo.js');
  let cached = true;
  if (!fs.existsSync(entry)) {
    cached = false;
    const jco = await importEsm('@bytecodealliance/jco');
    const embedded: Uint8Array = await jco.componentEmbed({ binary: coreModule, witSource: wit, world: 'plugin' });
    const component: Uint8Array = await jco.componentNew(embedded);
    const { files } = await jco.transpile(component, { name: 'bench_echo', instantiation: 'async', noTypescript: true });
    const tmp = `${dir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    for (const [name, data] of Object.entries(files as Record<string, Uint8Array>)) {
      const file = path.join(tmp, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, data);
    }
    fs.writeFileSync(path.join(tmp, 'component.wasm'), component);
    fs.writeFileSync(path.join(tmp, 'package.json'), '{ "type": "module" }\n');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  }
  const mod = await importEsm(pathToFileURL(entry).href);
  const getCoreModule = (name: string) => new WebAssembly.Module(fs.readFileSync(path.join(dir, name)));
  const echo = (await mod.instantiate(getCoreModule, {})) as JcoEcho;
  return { echo, cached, dir };
}
