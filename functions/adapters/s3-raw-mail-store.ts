import { DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { RawMailStore } from '../ports.js';

export const s3Client = new S3Client({});

/** The received messages in the inbound bucket: read by range (never more than asked), deleted once read. */
export class S3RawMailStore implements RawMailStore {
  constructor(
    private readonly bucket: string,
    private readonly client: S3Client = s3Client,
  ) {}

  async read(key: string, maxBytes: number): Promise<{ bytes: Uint8Array; size: number }> {
    const { Body, ContentRange, ContentLength } = await this.client.send(
      new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=0-${maxBytes - 1}` }),
    );
    const bytes = Body ? await Body.transformToByteArray() : new Uint8Array();
    // "bytes 0-1048575/5242880": the whole size after the slash (absent when the object was smaller than the range).
    const total = Number(/\/(\d+)$/.exec(ContentRange ?? '')?.[1] ?? ContentLength ?? bytes.length);
    return { bytes: bytes.subarray(0, maxBytes), size: Math.max(total, bytes.length) };
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}
