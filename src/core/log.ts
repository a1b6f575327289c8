// The logging seam: the core writes through this interface; the VS Code adapter implements it over one
// LogOutputChannel per plugin (and one for the host), tests over an array.

export interface Log {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const nullLog: Log = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Records lines as `level: message`, for tests. */
export class MemoryLog implements Log {
  readonly lines: string[] = [];
  trace(m: string): void { this.lines.push(`trace: ${m}`); }
  debug(m: string): void { this.lines.push(`debug: ${m}`); }
  info(m: string): void { this.lines.push(`info: ${m}`); }
  warn(m: string): void { this.lines.push(`warn: ${m}`); }
  error(m: string): void { this.lines.push(`error: ${m}`); }
}
