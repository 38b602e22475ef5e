/*
 * What every reference server does first: raise its open-file limit to the
 * hard limit (10,000 idle connections), and listen on 127.0.0.1:port with
 * TCP_NODELAY (accepted sockets inherit it) and a 4096 backlog; and what
 * the load clients do first: connect to 127.0.0.1:port with TCP_NODELAY.
 */
#ifndef BENCH_LISTEN_H
#define BENCH_LISTEN_H
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* The listening socket, or -1 after printing why. `type_flags`: e.g. SOCK_NONBLOCK. */
static inline int listen_loopback(int port, int type_flags) {
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  int one = 1, lfd = socket(AF_INET, SOCK_STREAM | type_flags, 0);
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(lfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 4096)) {
    perror("bind/listen");
    return -1;
  }
  return lfd;
}
/* A TCP_NODELAY socket connected to 127.0.0.1:port, or -1 (errno says why). */
static inline int connect_loopback(int port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) return fd;
  int why = errno;
  close(fd);
  errno = why;
  return -1;
}
#endif
