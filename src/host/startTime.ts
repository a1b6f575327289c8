// Imported first by src/extension.ts, so this runs before the rest of the bundle is evaluated: activation time then
// includes loading our code, not only the activate() call.
export const moduleLoadStart = performance.now();
