/*
 * Reference echo server on epoll, single thread, level-triggered: read into
 * the connection's buffer, write it back; a partial write waits for EPOLLOUT
 * before the next read. What a careful C programmer writes without io_uring.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen.h"

#define MAX_CONNS 65536
#define BUF 8192
typedef struct {
  char buf[BUF];
  int len, sent, out; /* out: registered for EPOLLOUT */
} conn_t;
static conn_t *conns[MAX_CONNS];

int main(int argc, char **argv) {
  int lfd = listen_loopback(argc > 1 ? atoi(argv[1]) : 7000, SOCK_NONBLOCK);
  if (lfd < 0) return 1;
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd}, events[256];
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  for (;;) {
    int n = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        int c;
        while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          if (c >= MAX_CONNS) {
            close(c);
            continue;
          }
          if (!conns[c]) conns[c] = malloc(sizeof(conn_t));
          conns[c]->len = conns[c]->sent = conns[c]->out = 0;
          struct epoll_event e = {.events = EPOLLIN, .data.fd = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
        }
        continue;
      }
      conn_t *c = conns[fd];
      if (c->sent == c->len) {
        int r = (int)read(fd, c->buf, BUF);
        if (r < 0 && errno == EAGAIN) continue;
        if (r <= 0) {
          close(fd);
          continue;
        }
        c->len = r;
        c->sent = 0;
      }
      int w = (int)send(fd, c->buf + c->sent, (size_t)(c->len - c->sent), MSG_NOSIGNAL);
      if (w < 0 && errno != EAGAIN) {
        close(fd);
        continue;
      }
      if (w > 0) c->sent += w;
      int want_out = c->sent < c->len;
      if (want_out != c->out) { /* only when the interest changes: no syscall per message */
        struct epoll_event e = {.events = want_out ? EPOLLOUT : EPOLLIN, .data.fd = fd};
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
        c->out = want_out;
      }
    }
  }
}
