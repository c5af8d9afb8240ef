// The image's linear memory as the imports see it: set once the instance exists (imports are
// created before it), read afresh on every call because a grown memory replaces its buffer.
export class MemoryView {
  private memory: WebAssembly.Memory | null = null;
  attach(memory: WebAssembly.Memory): void { this.memory = memory; }
  get bytes(): Uint8Array {
    if (!this.memory) throw new Error("image memory not attached yet");
    return new Uint8Array(this.memory.buffer);
  }
  /** A view (not a copy) of [ptr, ptr+len), or null when it lies outside memory. */
  range(ptr: number, len: number): Uint8Array | null {
    const bytes = this.bytes;
    if (ptr < 0 || len < 0 || ptr + len > bytes.length) return null;
    return bytes.subarray(ptr, ptr + len);
  }
  text(ptr: number, len: number): string | null {
    const r = this.range(ptr, len);
    return r ? Buffer.from(r).toString("utf8") : null;
  }
}
