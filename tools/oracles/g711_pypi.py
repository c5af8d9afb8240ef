"""G.711 oracle over PyPI's g711 package (pinned in requirements.txt); docs/g711.md shows it
agrees with the ITU-T STL on all 65,536 inputs and 256 codes of both laws.

  python3 g711_pypi.py encode mu|a  < 16-bit little-endian PCM  > G.711 bytes
  python3 g711_pypi.py decode mu|a  < G.711 bytes               > 16-bit little-endian PCM

The package works on float32 in [-1, 1); every 16-bit value divided by 32768 is exact in
float32, and so is every decoded level times 32768, so nothing is lost on the way.
"""
import sys

import g711
import numpy as np

verb, law = sys.argv[1], sys.argv[2]
data = sys.stdin.buffer.read()
if verb == "encode":
    pcm = np.frombuffer(data, dtype="<i2").astype(np.float32) / np.float32(32768)
    out = g711.encode_ulaw(pcm) if law == "mu" else g711.encode_alaw(pcm)
    sys.stdout.buffer.write(bytes(out))
elif verb == "decode":
    levels = g711.decode_ulaw(data) if law == "mu" else g711.decode_alaw(data)
    scaled = np.asarray(levels, dtype=np.float64) * 32768
    if not np.array_equal(scaled, np.round(scaled)):
        sys.exit("g711 returned a level that is not a whole 16-bit value")
    sys.stdout.buffer.write(scaled.astype("<i2").tobytes())
else:
    sys.exit(f"unknown verb {verb}")
