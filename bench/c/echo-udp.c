/*
 * Reference UDP echo server: one thread, blocking recvmmsg of up to BATCH
 * datagrams, then one sendmmsg of them all back to their sources. The
 * physical limit our TypeScript UDP echo is measured against: two system
 * calls per batch, no copies beyond the kernel's. It applies the same
 * reflection-port filter as iocp-echo (source ports 0, 7, 13, 17, 19 and its
 * own port), which costs a compare per datagram, but no rate limit.
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define BUF 65536

static char bufs[BATCH][BUF];
static struct sockaddr_in6 names[BATCH];
static struct iovec iovs[BATCH];
static struct mmsghdr in[BATCH], out[BATCH];

static int reflected(unsigned short port, unsigned short own) {
  return port == own || port == 0 || port == 7 || port == 13 || port == 17 || port == 19;
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 7000;
  int fd = socket(AF_INET, SOCK_DGRAM, 0), size = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a)) {
    perror("bind");
    return 1;
  }
  for (int i = 0; i < BATCH; i++) {
    iovs[i] = (struct iovec){.iov_base = bufs[i], .iov_len = BUF};
    in[i].msg_hdr = (struct msghdr){.msg_name = &names[i], .msg_iov = &iovs[i], .msg_iovlen = 1};
  }
  for (;;) {
    for (int i = 0; i < BATCH; i++) {
      in[i].msg_hdr.msg_namelen = sizeof names[i];
      iovs[i].iov_len = BUF;
    }
    int n = recvmmsg(fd, in, BATCH, MSG_WAITFORONE, NULL);
    if (n < 0) continue;
    int k = 0;
    for (int i = 0; i < n; i++) {
      struct msghdr *h = &in[i].msg_hdr;
      if ((h->msg_flags & MSG_TRUNC) || reflected(ntohs(((struct sockaddr_in *)h->msg_name)->sin_port), (unsigned short)port))
        continue;
      iovs[i].iov_len = in[i].msg_len;
      out[k++].msg_hdr = (struct msghdr){.msg_name = h->msg_name, .msg_namelen = h->msg_namelen, .msg_iov = &iovs[i], .msg_iovlen = 1};
    }
    for (int sent = 0; sent < k;) {
      int r = sendmmsg(fd, out + sent, (unsigned)(k - sent), 0);
      if (r <= 0) break; /* a full send queue drops the rest, as a datagram may be */
      sent += r;
    }
  }
}
