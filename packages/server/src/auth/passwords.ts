import { hash, verify } from '@node-rs/argon2';

// Argon2id (the library's default algorithm) at OWASP's floor (19 MiB, 2 passes): ~130 ms
// here, computed off the event loop.
const options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string): Promise<string> => hash(password, options);

export const verifyPassword = (passwordHash: string, password: string): Promise<boolean> =>
  verify(passwordHash, password).catch(() => false);

/** A valid hash of a password nobody knows, verified when no user matches, so a wrong username costs as much time as a wrong password. */
export const decoyHash = hashPassword(`decoy-${Math.random()}`);
