// Parses the WIT files of one package (a file or a folder) into unresolved packages: the main package plus any
// nested `package a:b { … }` blocks, each resolved internally on its own.
import { AstResolver } from './astResolver';
import * as ast from './ast';
import { tokenize } from './lexer';
import { parseFile } from './parser';
import { UnresolvedPackageGroup } from './resolve';
import { SourceMap } from './witError';

export interface WitSource {
  /** Used in error locations, as given (e.g. `wit/api/types.wit`). */
  readonly path: string;
  readonly text: string;
}

function comparePaths(a: string, b: string): number {
  // Byte-wise like Rust's `PathBuf` ordering for file names in one folder.
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
}

export function parsePackageGroup(sources: readonly WitSource[], map: SourceMap): UnresolvedPackageGroup {
  const sorted = [...sources].sort((a, b) => comparePaths(a.path, b.path));
  const resolver = new AstResolver();
  const nested = [];
  let firstOffset: number | undefined;
  for (const src of sorted) {
    const offset = map.add(src.path, src.text);
    firstOffset ??= offset;
    const file = parseFile(tokenize(src.text, offset));
    // Nested packages hold exactly one "file" each and are resolved separately from the enclosing package.
    const kept: ast.AstItem[] = [];
    for (const item of file.declList.items) {
      if (item.kind === 'package') {
        const inner = new AstResolver();
        inner.push(item.value);
        nested.push(inner.resolve(offset));
      } else {
        kept.push(item);
      }
    }
    file.declList.items = kept;
    resolver.push(file);
  }
  const main = resolver.resolve(firstOffset ?? 0);
  return { main, nested };
}
