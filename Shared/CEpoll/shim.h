#ifndef CEPOLL_SHIM_H
#define CEPOLL_SHIM_H
/* Linux APIs that Swift's Glibc module does not export: readiness (epoll, eventfd) and naming
 * the calling thread, as `top -H` and /proc show it (at most 15 bytes). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

static inline int cepoll_name_current_thread(const char *name) {
    return pthread_setname_np(pthread_self(), name);
}
#endif
