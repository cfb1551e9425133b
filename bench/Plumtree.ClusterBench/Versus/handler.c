/* The event handler of `plumtree-bench versus`: the same compiled program for Serf (-event-handler) and for the
 * plumtree agent (--handler). It records when a message reached this node: one line "<node> <id> <unix-ns>" appended
 * to $BENCH_OUT with a single write() (O_APPEND: lines from concurrent handlers never interleave). The message id is
 * the payload's first token ("m<id>:..."), so both systems are identified the same way. Reads all of stdin (as a real
 * handler would), exits 0. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);

    static char payload[70 * 1024];
    size_t used = 0;
    ssize_t got;
    while ((got = read(0, payload + used, sizeof payload - 1 - used)) > 0) {
        used += (size_t)got;
        if (used == sizeof payload - 1) {
            char sink[4096];
            while (read(0, sink, sizeof sink) > 0) {
            }
            break;
        }
    }
    payload[used] = 0;

    const char *event = getenv("SERF_EVENT");
    if (event != NULL && strcmp(event, "user") != 0) {
        return 0; /* membership events are not messages */
    }

    const char *node = getenv("PLUMTREE_NODE");
    if (node == NULL) node = getenv("SERF_SELF_NAME");
    if (node == NULL) node = "?";
    const char *out = getenv("BENCH_OUT");
    if (out == NULL || payload[0] != 'm') {
        return 0;
    }

    char id[32];
    size_t n = 0;
    for (size_t i = 1; i < used && n < sizeof id - 1 && payload[i] >= '0' && payload[i] <= '9'; i++) {
        id[n++] = payload[i];
    }
    id[n] = 0;
    if (n == 0) {
        return 0;
    }

    char line[160];
    int len = snprintf(line, sizeof line, "%s %s %lld\n", node, id, (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
    int fd = open(out, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0) {
        return 1;
    }
    if (write(fd, line, (size_t)len) != len) {
        close(fd);
        return 1;
    }
    close(fd);
    return 0;
}
