/* The linux target has no lwIP: the Linux resolver stands in. */
#include <netdb.h>
