import { createHash, randomBytes } from 'node:crypto';

const TOKEN_PREFIX = 'wc_';

/** A bearer/session token: 256 random bits. Only its hash is stored. */
export const newToken = (): string => TOKEN_PREFIX + randomBytes(32).toString('base64url');

export const hashToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex');

export const looksLikeToken = (value: string): boolean =>
  value.startsWith(TOKEN_PREFIX) && value.length === TOKEN_PREFIX.length + 43;
