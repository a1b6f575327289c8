// src/core/tsconfig.json maps the module name 'vscode' to this file, so an import of 'vscode' from src/core pulls it in
// and fails to compile with the message below. The core must run in plain Node; VS Code code belongs in src/host.
const importingVscodeFromSrcCore: 'src/core must not import vscode: move this code to src/host' = 'forbidden';
export default importingVscodeFromSrcCore;
