// The HTML shell of every webview we show (plugin panels, the manager view): a strict Content Security Policy — no
// default sources, scripts only by a fresh nonce, styles and fonts only from our own files — our style sheets, a body,
// and one script. Plugin panels additionally allow inline styles and https images in the plugin's HTML.

import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export interface PageSpec {
  readonly styles: readonly vscode.Uri[];
  readonly script: vscode.Uri;
  /** Trusted markup of the page (plugin HTML must already be sanitized). */
  readonly body: string;
  readonly title?: string;
  /** Plugin HTML may use style attributes and https images; our own pages do not need them. */
  readonly pluginContent?: boolean;
}

export function escapeAttribute(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export function webviewPage(webview: vscode.Webview, spec: PageSpec): string {
  const nonce = randomBytes(16).toString('base64');
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} ${spec.pluginContent ? 'https: ' : ''}data:`,
    `style-src ${webview.cspSource}${spec.pluginContent ? " 'unsafe-inline'" : ''}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const links = spec.styles.map((s) => `<link rel="stylesheet" href="${escapeAttribute(webview.asWebviewUri(s).toString())}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${links}
${spec.title ? `<title>${escapeAttribute(spec.title)}</title>` : ''}
</head>
<body>
${spec.body}
<script nonce="${nonce}" src="${escapeAttribute(webview.asWebviewUri(spec.script).toString())}"></script>
</body>
</html>`;
}
