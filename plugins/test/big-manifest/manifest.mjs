// The manifest of big-manifest: valid in shape, but its description makes it about 100 KB (102,400+ bytes of JSON).
const filler = 'This description is deliberately enormous. ';
export default {
  id: 'big-manifest',
  name: 'Big Manifest (test)',
  version: '0.1.0',
  apiVersion: '0.1.0',
  description: filler.repeat(Math.ceil(100 * 1024 / filler.length)),
  commands: [{ id: 'hello', title: 'Hello' }],
};
