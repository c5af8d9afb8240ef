// The one region of linear memory that hosts write into and read from: a packet, a frame of PCM
// or a chunk of a file. Static (in the data segment), so using it never allocates.
// 2048 bytes hold one MTU-sized packet or 20 ms of 16-bit mono PCM at 48 kHz (1920 bytes).
export const IO_CAPACITY: i32 = 2048;
export const ioBuffer: usize = memory.data(IO_CAPACITY, 16);
