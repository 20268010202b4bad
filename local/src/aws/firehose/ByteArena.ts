const CHUNK_BYTES = 1024 * 1024;

/**
 * Append-only storage for records on their way into an S3 buffer. Each record is decoded straight
 * into a large shared chunk and kept as a view of it: a buffer of hundreds of thousands of records
 * costs its bytes, not one small allocation per record (small Buffers share 8 KiB pool slabs with
 * short-lived data, and one long-lived record keeps its whole slab alive). A chunk is freed once
 * every record in it is gone, so records that live long should not share an arena with short-lived
 * ones.
 */
export class ByteArena {
  #chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  #used = 0;

  /** The bytes of a base64 string, exactly as `Buffer.from(text, 'base64')` decodes them. */
  fromBase64(text: string): Buffer {
    return this.#store(text, 'base64');
  }

  /** The UTF-8 bytes of a string, as `Buffer.from(text)`. */
  fromUtf8(text: string): Buffer {
    return this.#store(text, 'utf8');
  }

  #store(text: string, encoding: 'base64' | 'utf8'): Buffer {
    const length = Buffer.byteLength(text, encoding);
    // Large records get a buffer of their own rather than waste most of a chunk.
    if (length > CHUNK_BYTES / 8) return Buffer.from(text, encoding);
    if (this.#used + length > CHUNK_BYTES) {
      this.#chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
      this.#used = 0;
    }
    const written = this.#chunk.write(text, this.#used, length, encoding);
    const view = this.#chunk.subarray(this.#used, this.#used + written);
    this.#used += written;
    return view;
  }
}
