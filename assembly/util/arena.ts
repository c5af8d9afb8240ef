// Init-time memory for the image. Every ring, table and state block is taken from here once, at
// init, and lives for the whole run: nothing on the per-frame path allocates, so linear memory
// stays flat for hours. Modules that need many instances keep them in `@unmanaged` classes placed
// here (changetype<T>(arenaAlloc(offsetof<T>()))), not with `new`, so every byte is accounted.
let top: usize = __heap_base;

// Zeroed bytes, 8-aligned; 0 for a negative size. Callers still turn 0 into E_NOSPACE, but an
// exhausted memory traps instead (the stub runtime cannot grow past the image's one page, and a
// host's smaller limit, wasm3's 32 KiB, faults the fill): every allocation is made at init with a
// size fixed by the image, and CI runs whole calls under wasm3's 32 KiB limit (the posix device).
export function arenaAlloc(bytes: i32): usize {
  if (bytes < 0) return 0;
  const ptr = heap.alloc(<usize>bytes);
  memory.fill(ptr, 0, <usize>bytes);
  const end = ptr + <usize>bytes;
  if (end > top) top = end;
  return ptr;
}

// Highest byte in use: static data, plus everything allocated at init.
export function arenaTop(): usize { return top; }
