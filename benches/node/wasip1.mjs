// Runs a WASI preview1 command (a GOOS=wasip1 Go binary) under node's V8 with node:wasi, the way
// Go's go_wasip1_wasm_exec runs other runtimes: the whole file system preopened as "/", PWD set to
// the current directory, the host environment passed through.
//
//   node benches/node/wasip1.mjs MODULE.wasm [ARGS]...
import { readFile } from 'node:fs/promises';
import process from 'node:process';
import { WASI } from 'node:wasi';

const [path, ...args] = process.argv.slice(2);
if (!path) {
  console.error('usage: node wasip1.mjs MODULE.wasm [ARGS]...');
  process.exit(2);
}
const wasi = new WASI({
  version: 'preview1',
  args: [path, ...args],
  env: { ...process.env, PWD: process.cwd() },
  preopens: { '/': '/' },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(path));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
