// Where a CLI command writes. Tests pass a capturing Io; the binary uses the process streams.
export interface Io {
  out(text: string): void;
  err(text: string): void;
  readonly cwd: string;
}

export const processIo: Io = {
  out: (text) => { process.stdout.write(text); },
  err: (text) => { process.stderr.write(text); },
  get cwd() { return process.cwd(); },
};

export function captureIo(cwd = process.cwd()): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '', stderr: '', cwd,
    out(text: string) { io.stdout += text; },
    err(text: string) { io.stderr += text; },
  };
  return io;
}
