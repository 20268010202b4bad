import { createHash } from 'node:crypto';

/** The account and region the local cloud pretends to run in; only ARNs and event fields use them. */
export interface AwsEnvironment {
  accountId: string;
  region: string;
}

export const LOCAL_ENVIRONMENT: AwsEnvironment = { accountId: '000000000000', region: 'us-east-1' };

export const md5Hex = (data: Uint8Array | string): string => createHash('md5').update(data).digest('hex');

/**
 * Deterministic identifiers shaped like random UUIDs (version 4 layout): the same namespace and
 * sequence give the same ids on every run, so local runs and tests are reproducible.
 */
export const uuidFrom = (...parts: (string | number)[]): string => {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/** A named source of deterministic UUIDs: `next()` never repeats within one generator. */
export class IdGenerator {
  #counter = 0;

  constructor(private readonly namespace: string) {}

  next(): string {
    this.#counter += 1;
    return uuidFrom(this.namespace, this.#counter);
  }
}
