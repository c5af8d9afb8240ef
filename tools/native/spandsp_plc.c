/* Conceals lost frames with spandsp's packet loss concealment (plc_rx / plc_fillin, a
 * pitch-repetition PLC of the G.711 Appendix I family), the reference our G.711 PLC is measured
 * against (host-node/plc-compare.ts compiles and runs this).
 *
 *   spandsp_plc FRAME_SAMPLES MASK < in.s16 > out.s16
 * in/out: 16-bit native-endian mono PCM at 8 kHz; MASK: one character per frame, '1' = lost.
 * A frame marked lost is replaced by plc_fillin's output; others pass through plc_rx. */
#include <spandsp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    int frame, nframes, i;
    const char *mask;
    int16_t buf[1024];
    plc_state_t *plc;

    if (argc != 3 || (frame = atoi(argv[1])) <= 0 || frame > 1024) {
        fprintf(stderr, "usage: spandsp_plc FRAME_SAMPLES MASK < in.s16 > out.s16\n");
        return 2;
    }
    mask = argv[2];
    nframes = (int)strlen(mask);
    plc = plc_init(NULL);
    if (!plc) {
        fprintf(stderr, "plc_init failed\n");
        return 1;
    }
    for (i = 0; i < nframes; i++) {
        size_t got = fread(buf, sizeof buf[0], (size_t)frame, stdin);
        if (got < (size_t)frame)
            memset(buf + got, 0, ((size_t)frame - got) * sizeof buf[0]);
        if (mask[i] == '1')
            plc_fillin(plc, buf, frame);
        else
            plc_rx(plc, buf, frame);
        fwrite(buf, sizeof buf[0], (size_t)frame, stdout);
    }
    plc_free(plc);
    return 0;
}
