// The main job's HTML page: per call, the jitter buffer's target and current delay over time,
// with concealed frames marked, as inline SVG (no scripts, no network: it opens anywhere).
import type { PumpTrace } from "../../host-node/audio-pump.js";
import type { OtaDemoResult } from "../ota-demo/run.js";

export interface CallSection { title: string; summary: Record<string, unknown>; trace: PumpTrace[] }

function plot(trace: PumpTrace[]): string {
  if (trace.length === 0) return "<p>No audio frames were played.</p>";
  const W = 900, H = 240, L = 50, B = 30;
  const tMax = Math.max(...trace.map((p) => p.t), 1);
  const yMax = Math.max(100, ...trace.map((p) => Math.max(p.target, p.delay))) * 1.1;
  const x = (t: number) => L + (t / tMax) * (W - L - 10);
  const y = (v: number) => H - B - (Math.max(0, v) / yMax) * (H - B - 10);
  const line = (key: "target" | "delay") => trace.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p[key]).toFixed(1)}`).join("");
  const concealed = trace.filter((p) => p.kind === 2 || p.kind === 3)
    .map((p) => `<line x1="${x(p.t).toFixed(1)}" x2="${x(p.t).toFixed(1)}" y1="${H - B}" y2="${H - B - 8}" stroke="#d33"/>`).join("");
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${x(f * tMax)}" y="${H - 8}" font-size="11" text-anchor="middle">${(f * tMax / 1000).toFixed(1)} s</text>`).join("");
  const yticks = [0, 0.5, 1].map((f) => `<text x="${L - 6}" y="${y(f * yMax / 1.1) + 4}" font-size="11" text-anchor="end">${Math.round(f * yMax / 1.1)} ms</text>`).join("");
  return `<svg width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">
<rect x="${L}" y="10" width="${W - L - 10}" height="${H - B - 10}" fill="#fafafa" stroke="#ccc"/>
<path d="${line("target")}" fill="none" stroke="#888" stroke-dasharray="4 3"/>
<path d="${line("delay")}" fill="none" stroke="#1565c0" stroke-width="1.5"/>
${concealed}${ticks}${yticks}
<text x="${L + 8}" y="24" font-size="12" fill="#1565c0">playout delay</text>
<text x="${L + 110}" y="24" font-size="12" fill="#888">target delay</text>
<text x="${L + 200}" y="24" font-size="12" fill="#d33">| concealed frame (loss or late)</text>
</svg>`;
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]!));

function otaSection(ota: OtaDemoResult): string {
  const rows = [ota.good, ota.bad].map((u) => `<tr><td>${escape(u.image_version)}</td><td>${escape(u.outcome)}${u.code ? ` (${u.code})` : ""}</td>
<td>${escape(u.states.join(" → "))}</td><td>${u.package_bytes}</td><td>${u.ms_to_outcome} ms</td><td>${escape(u.running_after)}</td></tr>`).join("");
  const steps = ota.timeline.map((s) => `${(s.t_ms / 1000).toFixed(3).padStart(7)} s  ${s.who.padEnd(6)} ${s.what}`).join("\n");
  return `<h2>Over-the-air updates (device ${escape(ota.sn)})</h2>
<table><tr><th>version</th><th>outcome</th><th>states reported to the cloud</th><th>package bytes</th><th>rollout to outcome</th><th>device runs after</th></tr>${rows}</table>
<pre>${escape(steps)}</pre>`;
}

export function reportHtml(title: string, timeline: string[], calls: CallSection[], ota?: OtaDemoResult): string {
  const sections = calls.map((c) => `<h2>${escape(c.title)}</h2>
<table>${Object.entries(c.summary).map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(typeof v === "object" ? JSON.stringify(v) : String(v))}</td></tr>`).join("")}</table>
${plot(c.trace)}`).join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}th{text-align:left;padding-right:1em;font-weight:normal;color:#555}pre{background:#f4f4f4;padding:1em;font-size:12px}</style>
</head><body><h1>${escape(title)}</h1>${sections}${ota ? otaSection(ota) : ""}<h2>Timeline</h2><pre>${escape(timeline.join("\n"))}</pre></body></html>
`;
}
