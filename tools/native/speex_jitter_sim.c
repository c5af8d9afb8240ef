/* Drives libspeexdsp's jitter buffer through a schedule of puts and playout ticks read from
 * stdin, for `vsdk jitter-sim --ref speex` (host-node/jitter-speex.ts compiles and runs it).
 *
 * Input, one event a line:
 *   p ID TS SEQ   put packet ID (RTP timestamp TS, sequence SEQ; one 20 ms frame = 160 units)
 *   g             one playout tick: jitter_buffer_get, then jitter_buffer_tick
 * Output, one line per tick: "f ID" (played packet ID), "c" (missing or insertion: conceal).
 * The payload handed to speex is the packet ID itself, so what comes out names what went in. */
#include <speex/speex_jitter.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FRAME_SPAN 160

int main(void)
{
    JitterBuffer *jb = jitter_buffer_init(FRAME_SPAN);
    char line[128];
    if (!jb) {
        fprintf(stderr, "jitter_buffer_init failed\n");
        return 1;
    }
    while (fgets(line, sizeof line, stdin)) {
        if (line[0] == 'p') {
            unsigned long id, ts, seq;
            uint32_t payload;
            JitterBufferPacket pkt;
            if (sscanf(line + 1, "%lu %lu %lu", &id, &ts, &seq) != 3) {
                fprintf(stderr, "bad put line: %s", line);
                return 2;
            }
            payload = (uint32_t)id;
            memset(&pkt, 0, sizeof pkt);
            pkt.data = (char *)&payload;
            pkt.len = sizeof payload;
            pkt.timestamp = (spx_uint32_t)ts;
            pkt.span = FRAME_SPAN;
            pkt.sequence = (spx_uint16_t)seq;
            pkt.user_data = (spx_uint32_t)id;
            jitter_buffer_put(jb, &pkt);
        } else if (line[0] == 'g') {
            uint32_t payload = 0;
            spx_int32_t offset = 0;
            JitterBufferPacket pkt;
            int r;
            memset(&pkt, 0, sizeof pkt);
            pkt.data = (char *)&payload;
            pkt.len = sizeof payload;
            r = jitter_buffer_get(jb, &pkt, FRAME_SPAN, &offset);
            jitter_buffer_tick(jb);
            if (r == JITTER_BUFFER_OK)
                printf("f %lu\n", (unsigned long)pkt.user_data);
            else
                printf("c\n");
        } else if (line[0] != '\n' && line[0] != '\0') {
            fprintf(stderr, "unknown event: %s", line);
            return 2;
        }
    }
    jitter_buffer_destroy(jb);
    return 0;
}
