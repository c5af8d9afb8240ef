// Host-supplied pointers are checked before use: an export handed a region outside linear
// memory answers E_ARG instead of trapping.
@inline export function inMemory(ptr: usize, len: usize): bool {
  const end = ptr + len;
  return ptr != 0 && end >= ptr && end <= (<usize>memory.size() << 16);
}
