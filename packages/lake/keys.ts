import { InvalidKeyError, InvalidTableError } from './errors.js';

const SEGMENT = /^[A-Za-z0-9_=.+@-]+$/;

/**
 * Checks an object key relative to a store's root and returns it unchanged. Refused: empty,
 * absolute, backslashes, NUL/control characters, empty, `.` or `..` segments, segments starting
 * with `.` (the local store keeps its temp and lock files there), and characters outside a
 * conservative set, so a key can never name anything outside its prefix on any backend.
 */
export function checkKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidKeyError('object key is empty');
  if (key.length > 900) throw new InvalidKeyError('object key is longer than 900 characters');
  if (key.startsWith('/')) throw new InvalidKeyError(`object key ${JSON.stringify(key)} is absolute`);
  if (key.includes('\\')) throw new InvalidKeyError(`object key ${JSON.stringify(key)} contains a backslash`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new InvalidKeyError(`object key ${JSON.stringify(key)} contains a control character`);
  for (const segment of key.split('/')) {
    if (segment === '') throw new InvalidKeyError(`object key ${JSON.stringify(key)} has an empty segment`);
    if (segment === '.' || segment === '..') throw new InvalidKeyError(`object key ${JSON.stringify(key)} has a ${segment} segment`);
    if (segment.startsWith('.')) throw new InvalidKeyError(`object key ${JSON.stringify(key)} has a segment starting with "."`);
    if (!SEGMENT.test(segment)) throw new InvalidKeyError(`object key ${JSON.stringify(key)} has characters outside [A-Za-z0-9_=.+@-]`);
  }
  return key;
}

/** Checks a list prefix: "" (everything) or a key prefix that could only match valid keys. */
export function checkPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  // A prefix ending in "/" is a folder; otherwise the last segment may be partial.
  checkKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  return prefix;
}

const TABLE_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** A table name is a lower-case identifier: it is a path segment and a SQL view name at once. */
export function checkTableName(name: string): string {
  if (typeof name !== 'string' || !TABLE_NAME.test(name)) {
    throw new InvalidTableError(`table name ${JSON.stringify(name)} is not a lower-case identifier ([a-z][a-z0-9_]*)`);
  }
  return name;
}
