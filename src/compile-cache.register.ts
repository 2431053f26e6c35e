// Imported first by main.ts so every later require benefits from the code cache.
import { compileCacheDir, enableCompileCache } from './compile-cache';

const dir = compileCacheDir();
if (dir) enableCompileCache(dir);
