import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const SECRET_KEY_FILE = 'secret.key';

/**
 * The key that encrypts sensitive settings: SWITCHYARD_SECRET_KEY when set (64 hex characters or 44 base64
 * characters are used as they are; any other text is hashed to 32 bytes), otherwise a random key generated
 * once into the data dir with mode 0600. Processes sharing one Postgres must share the key: set it.
 */
export function loadSecretKey(options: { secretKey?: string | undefined; dataDir: string }): Buffer {
  if (options.secretKey !== undefined) return keyFromText(options.secretKey);
  const file = path.join(options.dataDir, SECRET_KEY_FILE);
  try {
    return keyFromText(readFileSync(file, 'utf8').trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // 'wx': never overwrite a key another process wrote meanwhile — data encrypted with it would be lost.
  try {
    writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      return keyFromText(readFileSync(file, 'utf8').trim());
    throw error;
  }
}

function keyFromText(text: string): Buffer {
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(text)) return Buffer.from(text, 'base64');
  return createHash('sha256').update(text).digest();
}
