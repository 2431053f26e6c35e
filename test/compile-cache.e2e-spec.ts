import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './support/app';

const CACHE_MODULE = join(__dirname, '..', 'dist', 'compile-cache.js');

describe('V8 code cache for CommonJS modules (dist/compile-cache.js)', () => {
  it('loads modules identically with an empty and with a filled cache, and fills it', () => {
    const tmp = tempDir();
    try {
      const cache = join(tmp.dir, 'cache');
      writeFileSync(join(tmp.dir, 'b.js'), 'module.exports = { twice: (x) => x * 2, here: __dirname, file: __filename };');
      writeFileSync(join(tmp.dir, 'data.json'), '{"n": 21}');
      writeFileSync(
        join(tmp.dir, 'a.js'),
        `const b = require('./b'); const d = require('./data.json');
         module.exports = { value: b.twice(d.n), sameDir: b.here === __dirname, resolved: require.resolve('./b') === b.file,
           main: require.main === module, cached: require.cache[require.resolve('./b')] !== undefined,
           load: () => import('node:path') };`,
      );
      const script = `const c = require(${JSON.stringify(CACHE_MODULE)}); c.enableCompileCache(${JSON.stringify(cache)});
        const out = require(${JSON.stringify(join(tmp.dir, 'a.js'))});
        out.load().then((m) => { out.dyn = typeof m.join; delete out.load; return c.flushCompileCache(); }).then(() => console.log(JSON.stringify(out)));`;
      const first = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      const files = readdirSync(cache);
      // b.js is cached; a.js uses import(), which Node 20 cannot run from cached data, so it is not.
      expect(files.length).toBeGreaterThanOrEqual(1);
      const second = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      expect(JSON.parse(second)).toEqual(JSON.parse(first));
      expect(JSON.parse(first)).toEqual({ value: 42, sameDir: true, resolved: true, main: false, cached: true, dyn: 'function' });
      // Nothing new to write on the second run: every module came from the cache.
      expect(readdirSync(cache)).toEqual(files);
    } finally {
      tmp.cleanup();
    }
  });
});
