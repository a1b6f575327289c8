// Activation cost, as the extension host sees it: the time from loading our code to the end of activate(), and until
// the first discovery finished. Run by test/harness/activationScaling.mjs with 0 and with 50 extra plugins installed;
// in the normal suite it records the numbers for the stock setup.

import * as assert from 'node:assert/strict';
import type { WasmPluginsApi } from '../../src/extension';
import { extensionApi } from './support';
import { metric, testConfig } from './index';

describe('activation', () => {
  let api: WasmPluginsApi;

  before(async () => {
    api = await extensionApi();
  });

  it('activates and discovers every installed plugin without compiling the ones not yet needed', () => {
    const expected = Number(process.env.WASM_PLUGINS_EXPECTED_EXTRA ?? testConfig().expectedExtraPlugins ?? 0);
    const generated = api.host.registry.entries.filter((e) => e.source === 'path');
    assert.equal(generated.length, expected, `discovered ${generated.length} of ${expected} generated plugins`);
    assert.ok(generated.every((e) => e.loadError === undefined), 'every generated plugin is valid');
    assert.deepEqual(generated.filter((e) => e.controller && e.controller.state !== 'idle').map((e) => e.binary?.manifest.id), [], 'none was compiled or started');
    const plugins = api.host.registry.entries.length;
    metric('activation', api.activationMs, 'ms', { plugins, extra: expected });
    metric('discovery', api.discoveryMs() ?? NaN, 'ms', { plugins, extra: expected });
  });
});
