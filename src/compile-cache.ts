// V8 code cache for CommonJS modules. Most of a cold boot is V8 compiling ~1,000 framework files;
// Node 22 caches that itself (module.enableCompileCache), Node 20 does not. This keeps the
// compiled code of every CJS module in a cache directory and hands it back to V8 on the next boot.
// Anything unusual (ESM, parse errors, unreadable cache) falls back to Node's own loader.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

type CompileFn = (this: NodeModule, content: string, filename: string, format?: string) => unknown;
interface ModuleInternals {
  prototype: { _compile: CompileFn };
  wrap(script: string): string;
  _resolveFilename(request: string, parent: NodeModule, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths(request: string, parent: NodeModule): string[] | null;
  _extensions: unknown;
  _cache: unknown;
}

/** Fallback flush, should the caller never call flushCompileCache(). */
const FLUSH_AFTER_MS = 10_000;
/** Past this many entries (old versions pile up) the cache is emptied and rebuilt. */
const MAX_ENTRIES = 20_000;

let flush: (() => Promise<void>) | null = null;

/** Writes the code compiled so far to the cache (call once the app is up); later calls do nothing. */
export function flushCompileCache(): Promise<void> {
  const run = flush;
  flush = null;
  return run ? run() : Promise.resolve();
}

export function enableCompileCache(cacheDir: string): void {
  const M = Module as unknown as ModuleInternals;
  const original = M.prototype._compile;
  try {
    mkdirSync(cacheDir, { recursive: true });
    if (readdirSync(cacheDir).length > MAX_ENTRIES) {
      rmSync(cacheDir, { recursive: true, force: true });
      mkdirSync(cacheDir, { recursive: true });
    }
  } catch {
    return; // no writable place: boot as usual
  }
  const pending = new Map<string, vm.Script>();

  M.prototype._compile = function (this: NodeModule, content: string, filename: string, format?: string) {
    if (format !== undefined && format !== 'commonjs') return original.call(this, content, filename, format);
    // On Node 20 a script compiled from cached data loses its dynamic-import callback
    // (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING at the first import(); seen in the OTLP exporter):
    // modules that use import() are left to Node's own loader.
    if (content.includes('import(')) return original.call(this, content, filename, format);
    const key = createHash('sha1').update(process.version).update(filename).update(content).digest('hex');
    const file = join(cacheDir, key);
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    let script: vm.Script;
    try {
      script = new vm.Script(M.wrap(content), {
        filename,
        cachedData,
        importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
      } as vm.ScriptOptions);
    } catch {
      return original.call(this, content, filename, format); // ESM syntax and the like: Node decides
    }
    if (!cachedData || script.cachedDataRejected) pending.set(file, script);

    const mod = this;
    const require = ((id: string) => mod.require(id)) as NodeJS.Require;
    Object.assign(require, {
      resolve: Object.assign((request: string, options?: unknown) => M._resolveFilename(request, mod, false, options), {
        paths: (request: string) => M._resolveLookupPaths(request, mod),
      }),
      main: require.main ?? (process as unknown as { mainModule?: NodeModule }).mainModule,
      extensions: M._extensions,
      cache: M._cache,
    });
    const fn = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return fn.call(mod.exports, mod.exports, require, mod, filename, dirname(filename));
  };

  flush = async () => {
    const entries = [...pending];
    pending.clear();
    for (const [file, script] of entries) {
      try {
        const tmp = `${file}.${process.pid}.tmp`;
        await writeFile(tmp, script.createCachedData());
        await rename(tmp, file); // atomic: a concurrent boot never reads half a file
      } catch {
        /* read-only or full disk: the cache is an optimisation only */
      }
    }
  };
  setTimeout(() => void flushCompileCache(), FLUSH_AFTER_MS).unref();
}

export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const configured = env.LIVETRACK_COMPILE_CACHE?.trim();
  if (configured === 'off') return null;
  return configured || join(tmpdir(), 'livetrack-mcp-compile-cache');
}
