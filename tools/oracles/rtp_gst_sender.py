#!/usr/bin/python3
# A live RTP sender on real UDP sockets: GStreamer encodes a test tone (mulawenc, alawenc or
# opusenc), packetises it with its own RTP payloaders (rtppcmupay, rtppcmapay, rtpopuspay) and
# sends it with sender reports through rtpsession, and it reads the receiver reports that come
# back. The image's tests receive its packets and answer with our reports.
#
#   rtp_gst_sender.py CODEC DEST_PORT LISTEN_PORT SECONDS SSRC PT
#     CODEC pcmu|pcma|opus; RTP goes to DEST_PORT, RTCP to DEST_PORT+1; our RTCP comes back
#     on LISTEN_PORT.
# Prints "ready" once playing, then after SECONDS one JSON line: what it sent, and what it read
# of the reports about it: {"packets_sent": N, "reports": [{"ssrc": N, "have_rb": bool,
#   "rb_packetslost": N, "rb_exthighestseq": N, "rb_jitter": N, "rb_lsr": N, "rb_dlsr": N,
#   "rb_round_trip": N}, ...]}
import json
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

ENCODERS = {
    "pcmu": "audioresample ! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay",
    "pcma": "audioresample ! audio/x-raw,rate=8000,channels=1 ! alawenc ! rtppcmapay",
    "opus": "audioresample ! audio/x-raw,rate=48000,channels=1 ! opusenc frame-size=20 ! rtpopuspay",
}


def main():
    codec, dest, listen, seconds, ssrc, pt = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    Gst.init(None)
    pipeline = Gst.parse_launch(
        'rtpsession name=s rtcp-min-interval=200000000 '
        'audiotestsrc is-live=true wave=sine freq=440 samplesperbuffer=160 ! audioconvert ! %s ssrc=%d pt=%d '
        'min-ptime=20000000 max-ptime=20000000 ! s.send_rtp_sink '
        's.send_rtp_src ! udpsink host=127.0.0.1 port=%d sync=false async=false '
        's.send_rtcp_src ! udpsink host=127.0.0.1 port=%d sync=false async=false '
        'udpsrc address=127.0.0.1 port=%d caps="application/x-rtcp" ! s.recv_rtcp_sink'
        % (ENCODERS[codec], ssrc, pt, dest, dest + 1, listen))
    session = pipeline.get_by_name("s")
    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        raise SystemExit("pipeline failed to start")
    print("ready", flush=True)
    loop = GLib.MainLoop()
    GLib.timeout_add(int(seconds * 1000), loop.quit)
    loop.run()
    internal = session.get_property("internal-session")
    ours = internal.emit("get-source-by-ssrc", ssrc)
    result = {"packets_sent": ours.get_property("stats").get_value("packets-sent") if ours else 0, "reports": []}
    for source in internal.get_property("sources"):
        stats = source.get_property("stats")
        if stats.get_value("internal"):
            continue
        result["reports"].append({
            "ssrc": stats.get_value("ssrc"),
            "have_rb": stats.get_value("have-rb"),
            "rb_packetslost": stats.get_value("rb-packetslost"),
            "rb_exthighestseq": stats.get_value("rb-exthighestseq"),
            "rb_jitter": stats.get_value("rb-jitter"),
            "rb_lsr": stats.get_value("rb-lsr"),
            "rb_dlsr": stats.get_value("rb-dlsr"),
            "rb_round_trip": stats.get_value("rb-round-trip"),
        })
    pipeline.set_state(Gst.State.NULL)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
