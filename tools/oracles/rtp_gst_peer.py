#!/usr/bin/python3
# A live RTP peer on real UDP sockets: GStreamer's rtpsession (gst-plugins-good) receives an
# RTP stream and its RTCP, and sends its own RTCP receiver reports back, as any RTP stack in a
# call would. The image's tests send it our packets and read its reports with our parser.
#
#   rtp_gst_peer.py RTP_PORT RTCP_PORT REPLY_PORT SECONDS CLOCK_RATE PAYLOAD_TYPE ENCODING SSRC
# Prints "ready" once listening, then after SECONDS one JSON line with what it knows of SSRC:
#   {"received": N, "lost": N, "jitter": N, "have_sr": bool, "sr_ntptime": "N" (64 bits, as a
#    decimal string), "sr_rtptime": N, "sr_packet_count": N, "sr_octet_count": N, "internal_ssrc": N}
import json
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


def main():
    rtp_port, rtcp_port, reply_port, seconds, clock_rate, pt = (int(a) for a in sys.argv[1:7])
    encoding, ssrc = sys.argv[7], int(sys.argv[8])
    Gst.init(None)
    caps = "application/x-rtp,media=audio,clock-rate=%d,encoding-name=%s,payload=%d" % (clock_rate, encoding, pt)
    pipeline = Gst.parse_launch(
        'rtpsession name=s rtcp-min-interval=200000000 '
        'udpsrc address=127.0.0.1 port=%d caps="%s" ! s.recv_rtp_sink '
        's.recv_rtp_src ! fakesink sync=false async=false '
        'udpsrc address=127.0.0.1 port=%d caps="application/x-rtcp" ! s.recv_rtcp_sink '
        's.send_rtcp_src ! udpsink host=127.0.0.1 port=%d sync=false async=false'
        % (rtp_port, caps, rtcp_port, reply_port))
    session = pipeline.get_by_name("s")
    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        raise SystemExit("pipeline failed to start")
    pipeline.get_state(5 * Gst.SECOND)
    print("ready", flush=True)
    loop = GLib.MainLoop()
    GLib.timeout_add(int(seconds * 1000), loop.quit)
    loop.run()
    internal = session.get_property("internal-session")
    source = internal.emit("get-source-by-ssrc", ssrc)
    result = {"internal_ssrc": session.get_property("internal-session").get_property("internal-ssrc")}
    if source is not None:
        stats = source.get_property("stats")
        result.update({
            "received": stats.get_value("packets-received"),
            "lost": stats.get_value("packets-lost"),
            "jitter": stats.get_value("jitter"),
            "have_sr": stats.get_value("have-sr"),
            "sr_ntptime": str(stats.get_value("sr-ntptime")),  # 64 bits: a string, for JSON readers
            "sr_rtptime": stats.get_value("sr-rtptime"),
            "sr_packet_count": stats.get_value("sr-packet-count"),
            "sr_octet_count": stats.get_value("sr-octet-count"),
        })
    pipeline.set_state(Gst.State.NULL)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
