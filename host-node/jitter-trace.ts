// Packet traces for jitter-buffer replays: CSV with the header `seq,send_ms,arrival_ms`, one row
// per packet received (in arrival order) and, last, one row per packet lost (empty arrival_ms).
// Sequence numbers wrap at 65536; send_ms jumps over the sender's silences (talkspurt gaps).
// Parsing is strict about content and lenient about layout (CRLF, blank lines, spaces, quotes,
// any row order; the three columns by name in any order among others, separated by commas,
// semicolons or tabs; a lost packet's arrival empty or written as -, NA, NaN, null, none or lost),
// and every refusal names its line.

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

const COLUMNS = ["seq", "send_ms", "arrival_ms"] as const;
// Written by other tools for a packet that never arrived, besides an empty field.
const NO_ARRIVAL = new Set(["", "-", "na", "nan", "null", "none", "lost"]);

function parseNumber(text: string, what: string, line: number): number {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    throw new TraceError(`line ${line}: ${what} '${text}' is not a number`);
  }
  const n = Number(text);
  if (!Number.isFinite(n)) throw new TraceError(`line ${line}: ${what} '${text}' is not finite`);
  return n;
}

// A field without the spaces and the double quotes around it (spreadsheets quote everything).
const unquote = (field: string) => field.trim().replace(/^"(.*)"$/, "$1").trim();

export function parseTraceCsv(text: string): Trace {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  let headerAt = lines.findIndex((l) => l.trim() !== "");
  if (headerAt < 0) throw new TraceError("empty trace: expected the header seq,send_ms,arrival_ms");
  // The columns are found by name, in any order, among any others (ignored); the separator is
  // the header's: comma, semicolon or tab.
  const separator = [",", ";", "\t"].find((c) => lines[headerAt].includes(c)) ?? ",";
  const names = lines[headerAt].split(separator).map((h) => unquote(h).toLowerCase());
  const at = COLUMNS.map((c) => names.indexOf(c));
  if (at.some((i) => i < 0) || new Set(names).size !== names.length) {
    throw new TraceError(`line ${headerAt + 1}: header must name the columns seq,send_ms,arrival_ms once each, got '${lines[headerAt].trim()}'`);
  }
  const rows: TraceRow[] = [];
  for (let i = headerAt + 1; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === "") continue;
    const line = i + 1;
    const cells = raw.split(separator).map(unquote);
    // A row may end early where its last fields are empty (an arrival left out at the end).
    if (cells.length > names.length || cells.length <= Math.max(at[0], at[1])) {
      throw new TraceError(`line ${line}: expected ${names.length} fields, got ${cells.length}`);
    }
    const [seqText, sendText, arrivalText = ""] = at.map((k) => cells[k]);
    const seq = parseNumber(seqText, "seq", line);
    if (!Number.isInteger(seq) || seq < 0 || seq > 65535) throw new TraceError(`line ${line}: seq ${seqText} is not an integer in 0..65535`);
    const sendMs = parseNumber(sendText, "send_ms", line);
    const arrivalMs = NO_ARRIVAL.has(arrivalText.toLowerCase()) ? null : parseNumber(arrivalText, "arrival_ms", line);
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
