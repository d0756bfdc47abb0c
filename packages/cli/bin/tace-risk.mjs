#!/usr/bin/env node
// `tace-risk` entry. Plain JavaScript on purpose: a .ts entry makes Node load its TypeScript
// stripper before any line runs; here Node's compile cache (stripped and compiled modules kept in
// the OS temp dir, like Python's .pyc files; NODE_DISABLE_COMPILE_CACHE=1 turns it off) is on first.
import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('../src/main.ts');
