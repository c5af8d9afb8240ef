#!/usr/bin/python3
# Oracle for RTP receiver statistics: feeds a packet trace through GStreamer's rtpsession (the
# RTP stack of gst-plugins-good, an implementation independent of ours) and prints what its
# source statistics say: packets received, packets lost, interarrival jitter.
#
# stdin: JSON {"clock_rate": 8000, "payload_type": 0, "encoding": "PCMU", "ssrc": N,
#              "packets": [[seq, timestamp, arrival_ms, payload_hex], ...]}  (in arrival order)
# stdout: JSON {"received": N, "lost": N, "jitter": N, "validated": bool}
# Each packet's buffer time is its arrival, so rtpsession's arrival clock in RTP units equals
# arrival_ms * clock_rate / 1000, as the image computes it.
import json
import struct
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402


def rtp_packet(pt, seq, ts, ssrc, payload):
    return struct.pack("!BBHII", 0x80, pt & 0x7F, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload


def main():
    trace = json.load(sys.stdin)
    Gst.init(None)
    caps = "application/x-rtp,media=audio,clock-rate=%d,encoding-name=%s,payload=%d" % (
        trace["clock_rate"], trace["encoding"], trace["payload_type"])
    pipeline = Gst.parse_launch(
        'appsrc name=src format=time caps="%s" ! s.recv_rtp_sink rtpsession name=s s.recv_rtp_src ! fakesink sync=false' % caps)
    src = pipeline.get_by_name("src")
    session = pipeline.get_by_name("s")
    pipeline.set_state(Gst.State.PLAYING)
    for seq, ts, arrival_ms, payload_hex in trace["packets"]:
        buf = Gst.Buffer.new_wrapped(rtp_packet(trace["payload_type"], seq, ts, trace["ssrc"], bytes.fromhex(payload_hex)))
        buf.pts = arrival_ms * Gst.MSECOND
        if src.emit("push-buffer", buf) != Gst.FlowReturn.OK:
            raise SystemExit("appsrc refused a buffer")
    src.emit("end-of-stream")
    msg = pipeline.get_bus().timed_pop_filtered(30 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    if msg is None or msg.type == Gst.MessageType.ERROR:
        raise SystemExit("pipeline did not reach end of stream: %s" % (msg.parse_error() if msg else "timeout"))
    internal = session.get_property("internal-session")
    source = internal.emit("get-source-by-ssrc", trace["ssrc"])
    if source is None:
        result = {"received": 0, "lost": 0, "jitter": 0, "validated": False}
    else:
        stats = source.get_property("stats")
        result = {
            "received": stats.get_value("packets-received"),
            "lost": stats.get_value("packets-lost"),
            "jitter": stats.get_value("jitter"),
            "validated": stats.get_value("validated"),
        }
    pipeline.set_state(Gst.State.NULL)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
