import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The Reply-To of every email about a case, `reply+<token>@<inbound domain>`: the token names the
 * case and proves Closeloop wrote it, so the customer's answer finds its case without an item per
 * email, and nobody can forge an address that lands in another case.
 *
 * The token is lower-case RFC 4648 base32 (mail systems may change the case of a local part; it is
 * read case-insensitively), 53 characters: the case id's 132 bits (27 characters), then a 128-bit
 * HMAC-SHA256 tag of it (26 characters), keyed from the stack's reply-token secret (a key of its
 * own). No personal data: the case id is a hash. The local part is `reply+` and the token, 59
 * characters (RFC 5321 allows 64).
 */
export const REPLY_LOCAL_PREFIX = 'reply+';
/** The header every notification Closeloop sends carries: a message with it that comes back came from Closeloop, not a person. */
export const OWN_MESSAGE_HEADER = 'X-Closeloop-Notification';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** A case id: 22 base64url characters (domain/follow-up-case.ts caseIdFor). */
const CASE_ID = /^[A-Za-z0-9_-]{22}$/;
const CASE_CHARACTERS = 27;
const TAG_CHARACTERS = 26;
export const REPLY_TOKEN_LENGTH = CASE_CHARACTERS + TAG_CHARACTERS;
const TOKEN = new RegExp(`^[${ALPHABET}]{${REPLY_TOKEN_LENGTH}}$`);

/** Bits (most significant first) to base32 characters, the last one zero-padded. */
function toBase32(bits: string): string {
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += ALPHABET[Number.parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out;
}

const fromBase32 = (text: string): string => [...text].map((c) => ALPHABET.indexOf(c).toString(2).padStart(5, '0')).join('');
const bitsOfBytes = (bytes: Buffer): string => [...bytes].map((b) => b.toString(2).padStart(8, '0')).join('');

export class ReplyTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (!secret) throw new Error('the reply-token secret is empty');
    // Its own key, derived from the secret, so a tag is never valid anywhere else.
    this.key = createHmac('sha256', secret).update('closeloop/reply-to/v1').digest();
  }

  private tag(caseId: string): string {
    return toBase32(bitsOfBytes(createHmac('sha256', this.key).update(caseId).digest().subarray(0, 16)));
  }

  /** The case's token (the same every time: replies to any email about the case land in it). */
  tokenFor(caseId: string): string {
    if (!CASE_ID.test(caseId)) throw new Error(`not a case id: ${caseId}`);
    const bits = [...caseId].map((c) => BASE64URL.indexOf(c).toString(2).padStart(6, '0')).join('');
    return toBase32(bits) + this.tag(caseId);
  }

  /** Whether `id` has a case id's shape (every case Closeloop opens has; a hand-made id may not). */
  static isCaseId(id: string): boolean {
    return CASE_ID.test(id);
  }

  /** `reply+<token>@<domain>`. */
  addressFor(caseId: string, domain: string): string {
    return `${REPLY_LOCAL_PREFIX}${this.tokenFor(caseId)}@${domain}`;
  }

  /** The case a token names, if Closeloop made it (read case-insensitively); undefined for anything else. */
  caseOf(token: string): string | undefined {
    const lower = token.toLowerCase();
    if (!TOKEN.test(lower)) return undefined;
    const bits = fromBase32(lower.slice(0, CASE_CHARACTERS));
    // 27 characters carry 135 bits: the last 3 are padding and must be zero (one spelling per token).
    if (/1/.test(bits.slice(132))) return undefined;
    let caseId = '';
    for (let i = 0; i < 132; i += 6) caseId += BASE64URL[Number.parseInt(bits.slice(i, i + 6), 2)];
    const given = Buffer.from(lower.slice(CASE_CHARACTERS));
    const expected = Buffer.from(this.tag(caseId));
    return given.length === expected.length && timingSafeEqual(given, expected) ? caseId : undefined;
  }

  /**
   * The case an address names: `reply+<token>@<domain>` (the domain compared case-insensitively,
   * and only the inbound domain's), else undefined.
   */
  caseOfAddress(address: string, domain: string): string | undefined {
    const at = address.lastIndexOf('@');
    if (at < 0 || address.slice(at + 1).toLowerCase() !== domain.toLowerCase()) return undefined;
    const local = address.slice(0, at);
    if (local.slice(0, REPLY_LOCAL_PREFIX.length).toLowerCase() !== REPLY_LOCAL_PREFIX) return undefined;
    return this.caseOf(local.slice(REPLY_LOCAL_PREFIX.length));
  }
}
