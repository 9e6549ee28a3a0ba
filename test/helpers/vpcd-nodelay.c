/*
 * LD_PRELOAD shim for the test pcscd: sets TCP_NODELAY on every socket vpcd accepts.
 *
 * Why: vpcd (vsmartcard 3.3, vpcd.c sendToVICC) writes each message as two send() calls, the
 * 2-byte length and then the body. With Nagle's algorithm on, the body waits for the ACK of the
 * length, and the virtual card (which cannot answer half a frame) ACKs only after Linux's 40 ms
 * delayed-ACK timer: every vpcd message costs 40 ms, a card read about 130 ms. A USB reader has
 * no such stall. Only the socket option changes; vpcd and pcscd run their own code.
 * Built at test time by test/helpers/pcscd.ts (cc -shared -fPIC).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static void no_delay(int fd) {
  if (fd < 0) return;
  int one = 1;
  /* Fails harmlessly (ENOTSUP/EOPNOTSUPP) on sockets that are not TCP. */
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int accept(int s, struct sockaddr *addr, socklen_t *len) {
  static int (*real)(int, struct sockaddr *, socklen_t *);
  if (!real) real = (int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT, "accept");
  int fd = real(s, addr, len);
  no_delay(fd);
  return fd;
}

int accept4(int s, struct sockaddr *addr, socklen_t *len, int flags) {
  static int (*real)(int, struct sockaddr *, socklen_t *, int);
  if (!real) real = (int (*)(int, struct sockaddr *, socklen_t *, int))dlsym(RTLD_NEXT, "accept4");
  int fd = real(s, addr, len, flags);
  no_delay(fd);
  return fd;
}
