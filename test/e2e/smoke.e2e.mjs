// Smoke test: the workbench opens with our extension loaded in development mode and its command is in the palette.
export const options = { timeout: 120_000 };

export async function run(vs, { log }) {
  const title = 'WASM Plugins: Run Plugin Command…';
  await vs.findCommand(title, { timeout: 45_000 });
  log(`palette lists "${title}"`);
  await vs.screenshot('palette');
  await vs.quickPick.close();
}
