#ifndef CEPOLL_SHIM_H
#define CEPOLL_SHIM_H
/* Linux APIs that Swift's Glibc module does not export: readiness (epoll, eventfd) and naming
 * the calling thread, as `top -H` and /proc show it (at most 15 bytes). No _GNU_SOURCE here: it
 * would change system types (fd_set) that other modules import too. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>

static inline int cepoll_name_current_thread(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0UL, 0UL, 0UL);
}
#endif
