// A client that keeps uploading after the server has refused its body (the way curl does while
// its chunked upload is in flight). A server that closes at once answers those bytes with a TCP
// reset; one that lingers reads and drops them and ends the connection cleanly.
import type { Socket } from "node:net";

export interface RefusalOutcome {
  status: string;             // the response's status line
  error: string | null;       // the socket's error code, if it was reset
  ended: boolean;             // the server ended the connection itself
}

/** `open(onConnect)` connects half-open (the server's FIN must not stop our writes) and calls
 *  onConnect; then `head` and `firstChunk` are sent, and after the first response bytes 20 more
 *  chunks of 4 KiB, 20 ms apart. */
export function uploadAfterRefusal(open: (onConnect: () => void) => Socket, head: string, firstChunk: number): Promise<RefusalOutcome> {
  return new Promise((resolve) => {
    let got = "", error: string | null = null, ended = false, more = 0;
    const s = open(() => {
      s.write(head);
      s.write(`${firstChunk.toString(16)}\r\n${" ".repeat(firstChunk)}\r\n`);
    });
    s.on("data", (d) => {
      got += d;
      if (more++ > 0) return;
      const keepSending = setInterval(() => {
        if (!s.writable || more > 20) { clearInterval(keepSending); s.end(); return; }
        more++;
        s.write(`1000\r\n${" ".repeat(0x1000)}\r\n`);
      }, 20);
    });
    s.on("end", () => { ended = true; });
    s.on("error", (err: NodeJS.ErrnoException) => { error = err.code ?? err.message; });
    s.on("close", () => resolve({ status: got.split("\r\n")[0], error, ended }));
    setTimeout(() => s.destroy(), 4000);
  });
}
