/*
 * The UDP echo as iocp-echo does it, in C (liburing): one multishot
 * IORING_OP_RECVMSG on a ring of 64 provided buffers, each echo an
 * IORING_OP_SENDMSG from the buffer it arrived in, the buffer returned when
 * the send completes (liburing's examples/io_uring-udp.c). Beside
 * echo-udp.c (recvmmsg/sendmmsg) it splits our cost into what io_uring's
 * per-datagram path costs the kernel and what our TypeScript adds.
 */
#include <liburing.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "uring.h"

#define BUFS 64
#define BUF 65600
#define NAME 32
enum { RECV = 1, SEND = 2 };

static struct io_uring_buf_ring *br;
static char *bufs;
static struct msghdr recv_hdr = {.msg_namelen = NAME};
static struct msghdr send_hdr[BUFS];
static struct iovec send_iov[BUFS];

static void give_back(int b) {
  io_uring_buf_ring_add(br, bufs + (size_t)b * BUF, BUF, (unsigned short)b, io_uring_buf_ring_mask(BUFS), 0);
  io_uring_buf_ring_advance(br, 1);
}

static void arm(int fd) {
  struct io_uring_sqe *s = sqe();
  io_uring_prep_recvmsg_multishot(s, fd, &recv_hdr, MSG_TRUNC);
  s->flags |= IOSQE_BUFFER_SELECT;
  s->buf_group = 1;
  io_uring_sqe_set_data64(s, RECV);
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 7000, size = 4 << 20;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || open_ring() < 0) {
    perror("bind/ring");
    return 1;
  }
  /* Debian's liburing 2.3 has no io_uring_setup_buf_ring: register by hand, as echo-uring-multishot.c does. */
  if (posix_memalign((void **)&br, 4096, BUFS * sizeof(struct io_uring_buf)) || !(bufs = malloc((size_t)BUFS * BUF))) return 1;
  io_uring_buf_ring_init(br);
  struct io_uring_buf_reg reg = {.ring_addr = (unsigned long)br, .ring_entries = BUFS, .bgid = 1};
  if (io_uring_register_buf_ring(&ring, &reg, 0)) {
    fprintf(stderr, "io_uring_register_buf_ring failed\n");
    return 1;
  }
  for (int b = 0; b < BUFS; b++) give_back(b);
  arm(fd);
  for (;;) {
    io_uring_submit_and_wait(&ring, 1);
    struct io_uring_cqe *cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      seen++;
      if (cqe->user_data == RECV) {
        if (!(cqe->flags & IORING_CQE_F_MORE)) arm(fd);
        if (!(cqe->flags & IORING_CQE_F_BUFFER)) continue;
        int b = (int)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
        struct io_uring_recvmsg_out *o = io_uring_recvmsg_validate(bufs + (size_t)b * BUF, cqe->res, &recv_hdr);
        unsigned short src = o ? ntohs(((struct sockaddr_in *)io_uring_recvmsg_name(o))->sin_port) : 0;
        if (!o || (o->flags & MSG_TRUNC) || src == port || src == 0 || src == 7 || src == 13 || src == 17 || src == 19) {
          give_back(b);
          continue;
        }
        send_iov[b] = (struct iovec){io_uring_recvmsg_payload(o, &recv_hdr), io_uring_recvmsg_payload_length(o, cqe->res, &recv_hdr)};
        send_hdr[b] = (struct msghdr){.msg_name = io_uring_recvmsg_name(o), .msg_namelen = o->namelen, .msg_iov = &send_iov[b], .msg_iovlen = 1};
        struct io_uring_sqe *s = sqe();
        io_uring_prep_sendmsg(s, fd, &send_hdr[b], 0);
        io_uring_sqe_set_data64(s, SEND | ((unsigned long long)b << 8));
      } else {
        give_back((int)(cqe->user_data >> 8));
      }
    }
    io_uring_cq_advance(&ring, seen);
  }
}
