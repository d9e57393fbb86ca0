// Rewrites the `.gz` copy of every built site file with Zopfli, the slowest and tightest
// compressor that still writes plain gzip: every browser decodes it as it decodes any gzip, and
// the wasm comes out about 5 % smaller than with `gzip -9` (cargo-leptos's own copy is about
// 17 % larger still). Runs after `cargo leptos build --precompress`, which writes the `.br` copies.
//
// usage: node scripts/precompress.mjs <site directory>
import { gzipAsync } from '@gfx/zopfli';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

async function siteFiles(directory) {
  const entries = await readdir(directory, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(directory, entry.name);
      return entry.isDirectory() ? siteFiles(path) : [path];
    }),
  );
  return nested.flat().filter((path) => !/\.(gz|br)$/.test(path));
}

const site = process.argv[2];
if (!site) {
  console.error('usage: node scripts/precompress.mjs <site directory>');
  process.exit(2);
}
for (const path of await siteFiles(site)) {
  // One at a time: Zopfli is CPU-bound, and the build machines have two cores.
  await writeFile(`${path}.gz`, await gzipAsync(await readFile(path), { numiterations: 15 }));
}
