// Packet traces for jitter-buffer replays: CSV with the header `seq,send_ms,arrival_ms`, one row
// per packet received (in arrival order) and, last, one row per packet lost (empty arrival_ms).
// Sequence numbers wrap at 65536; send_ms jumps over the sender's silences (talkspurt gaps).
// Parsing is strict about content and lenient about layout (CRLF, blank lines, spaces, any row
// order), and every refusal names its line.

export interface TraceRow {
  seq: number;                // 0..65535, as on the wire
  sendMs: number;             // sender's clock
  arrivalMs: number | null;   // receiver's clock, null = never arrived
  line: number;               // 1-based line in the file
  id: number;                 // the packet's identity (TracePacket.id), set by parseTraceCsv
}

export interface TracePacket {
  id: number;                 // unwrapped sequence number: the packet's identity
  seq: number;
  sendMs: number;
  arrivals: number[];         // every arrival of it (duplicates arrive more than once), sorted
}

export interface Trace {
  rows: TraceRow[];
  packets: TracePacket[];     // distinct packets, in sending order
}

export class TraceError extends Error {}

const HEADER = ["seq", "send_ms", "arrival_ms"];

function parseNumber(text: string, what: string, line: number): number {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    throw new TraceError(`line ${line}: ${what} '${text}' is not a number`);
  }
  const n = Number(text);
  if (!Number.isFinite(n)) throw new TraceError(`line ${line}: ${what} '${text}' is not finite`);
  return n;
}

export function parseTraceCsv(text: string): Trace {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  let headerAt = lines.findIndex((l) => l.trim() !== "");
  if (headerAt < 0) throw new TraceError("empty trace: expected the header seq,send_ms,arrival_ms");
  const header = lines[headerAt].split(",").map((h) => h.trim().toLowerCase());
  if (header.length !== 3 || header.some((h, i) => h !== HEADER[i])) {
    throw new TraceError(`line ${headerAt + 1}: header must be seq,send_ms,arrival_ms, got '${lines[headerAt].trim()}'`);
  }
  const rows: TraceRow[] = [];
  for (let i = headerAt + 1; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === "") continue;
    const line = i + 1;
    const cells = raw.split(",").map((c) => c.trim());
    if (cells.length !== 3) throw new TraceError(`line ${line}: expected 3 fields, got ${cells.length}`);
    const seq = parseNumber(cells[0], "seq", line);
    if (!Number.isInteger(seq) || seq < 0 || seq > 65535) throw new TraceError(`line ${line}: seq ${cells[0]} is not an integer in 0..65535`);
    const sendMs = parseNumber(cells[1], "send_ms", line);
    const arrivalMs = cells[2] === "" ? null : parseNumber(cells[2], "arrival_ms", line);
    rows.push({ seq, sendMs, arrivalMs, line, id: 0 });
  }
  if (rows.length === 0) throw new TraceError("trace has a header but no packets");
  return { rows, packets: identify(rows) };
}

// Gives each packet an identity across sequence wrap: rows in sending order, each sequence number
// taken as the nearest one (mod 65536) to the previous packet's. Copies of a packet share it.
function identify(rows: TraceRow[]): TracePacket[] {
  const bySend = rows.map((r, i) => ({ r, i })).sort((a, b) => a.r.sendMs - b.r.sendMs || a.i - b.i);
  const packets = new Map<number, TracePacket>();
  let last: number | null = null;
  for (const { r } of bySend) {
    let id = r.seq;
    if (last !== null) {
      const delta = ((r.seq - last) % 65536 + 65536 + 32768) % 65536 - 32768;
      id = last + delta;
    }
    last = id;
    r.id = id;
    let p = packets.get(id);
    if (!p) {
      p = { id, seq: r.seq, sendMs: r.sendMs, arrivals: [] };
      packets.set(id, p);
    }
    if (r.arrivalMs !== null) p.arrivals.push(r.arrivalMs);
  }
  const list = [...packets.values()].sort((a, b) => a.id - b.id);
  for (const p of list) p.arrivals.sort((a, b) => a - b);
  return list;
}

export function traceToCsv(rows: Array<{ seq: number; sendMs: number; arrivalMs: number | null }>): string {
  const arrived = rows.filter((r) => r.arrivalMs !== null).sort((a, b) => a.arrivalMs! - b.arrivalMs!);
  const lost = rows.filter((r) => r.arrivalMs === null);
  const out = ["seq,send_ms,arrival_ms"];
  for (const r of arrived) out.push(`${r.seq},${r.sendMs},${r.arrivalMs}`);
  for (const r of lost) out.push(`${r.seq},${r.sendMs},`);
  return out.join("\n") + "\n";
}
