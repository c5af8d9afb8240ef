/* The linux target has no lwIP: Linux sockets stand in. */
#include <sys/socket.h>
