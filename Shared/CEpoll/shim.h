#ifndef CEPOLL_SHIM_H
#define CEPOLL_SHIM_H
/* Linux readiness APIs that Swift's Glibc module does not export. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif
