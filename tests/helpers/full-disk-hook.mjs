/**
 * A full disk, for the fault suite, without root or a tmpfs: loaded into the vlmbench CLI with
 * `node --import`, it lets FULL_DISK_AFTER appends to a journal.jsonl succeed, then makes the next
 * one write half its bytes (a torn line, as a real full disk does) and fail with ENOSPC, as does
 * every later write to the run's folder. Engine hosts inherit the hook and are left alone (they
 * write nothing there).
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const allowed = Number(process.env.FULL_DISK_AFTER ?? 0);
const journalFds = new Set();
let appends = 0;
let full = false;

const enospc = (path) => Object.assign(new Error(`ENOSPC: no space left on device, write${path ? ` '${path}'` : ''}`), { code: 'ENOSPC', errno: -28, syscall: 'write' });

const { openSync, closeSync, appendFileSync, writeFileSync, writeSync } = fs;

fs.openSync = function (path, ...rest) {
  const fd = openSync.call(this, path, ...rest);
  if (String(path).endsWith('journal.jsonl')) journalFds.add(fd);
  return fd;
};
fs.closeSync = function (fd) {
  journalFds.delete(fd);
  return closeSync.call(this, fd);
};
fs.appendFileSync = function (target, data, ...rest) {
  if (typeof target === 'number' && journalFds.has(target)) {
    if (full) throw enospc('journal.jsonl');
    if (++appends > allowed) {
      full = true;
      const text = String(data);
      appendFileSync.call(this, target, text.slice(0, Math.max(1, Math.floor(text.length / 2))));
      throw enospc('journal.jsonl');
    }
  }
  return appendFileSync.call(this, target, data, ...rest);
};
fs.writeSync = function (fd, ...rest) {
  if (full && journalFds.has(fd)) throw enospc('journal.jsonl');
  return writeSync.call(this, fd, ...rest);
};
fs.writeFileSync = function (path, ...rest) {
  if (full && typeof path === 'string' && /results\.json|journal\.jsonl|run\.lock/.test(path)) throw enospc(path);
  return writeFileSync.call(this, path, ...rest);
};
syncBuiltinESMExports();
