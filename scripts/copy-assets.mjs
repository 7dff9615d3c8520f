// Copies the .sql and .lua statement files, and the plain-JS modules (.mjs, with their .d.mts) that
// worker threads load without a TypeScript loader, next to the compiled modules that use them.
import { cp, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

const src = new URL('../src/', import.meta.url).pathname;
const dist = new URL('../dist/', import.meta.url).pathname;

async function* walk(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (/\.(sql|lua|mjs|d\.mts)$/.test(entry.name)) yield path;
  }
}

let copied = 0;
for await (const file of walk(src)) {
  await cp(file, join(dist, relative(src, file)));
  copied++;
}
console.log(`copied ${copied} asset files`);
