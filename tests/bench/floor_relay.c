/* The least an MQTT broker can do: a latency floor for bench.py (issue 7).
 *
 * One thread, level-triggered epoll, no queues, no topic matching: CONNECT
 * gets CONNACK, SUBSCRIBE gets SUBACK (QoS 0 granted), PINGREQ PINGRESP, and
 * every QoS 0 PUBLISH is written, as received, to every connection that has
 * subscribed to anything. It is not a broker (no wildcards, no QoS 1/2, no
 * flow control); it measures what the kernel, the machine and hearth-bench
 * cost on their own, so a broker's latency can be read against it.
 *
 * Build: cc -O2 -o floor_relay floor_relay.c   Run: floor_relay PORT
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FD 4096
#define BUF 65536

struct conn { unsigned char in[BUF]; size_t len; int subscribed; };
static struct conn *conns[MAX_FD];

static void drop(int ep, int fd) {
  epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
  close(fd);
  free(conns[fd]);
  conns[fd] = NULL;
}

/* Returns the packet's total length, 0 if incomplete, -1 if malformed. */
static long packet_length(const unsigned char *p, size_t n) {
  size_t rem = 0, mul = 1, i = 1;
  for (;; ++i) {
    if (i >= n) return 0;
    rem += (p[i] & 127) * mul;
    if (!(p[i] & 128)) break;
    mul *= 128;
    if (i == 4) return -1;
  }
  return (long)(i + 1 + rem);
}

static void handle(int ep, int fd, const unsigned char *p, long len) {
  static const unsigned char connack[] = {0x20, 2, 0, 0}, pingresp[] = {0xd0, 0};
  switch (p[0] >> 4) {
    case 1: send(fd, connack, sizeof connack, MSG_NOSIGNAL); break;
    case 8: {
      unsigned char suback[5] = {0x90, 3, p[2], p[3], 0};
      send(fd, suback, sizeof suback, MSG_NOSIGNAL);
      conns[fd]->subscribed = 1;
      break;
    }
    case 12: send(fd, pingresp, sizeof pingresp, MSG_NOSIGNAL); break;
    case 3:
      for (int s = 0; s < MAX_FD; ++s)
        if (conns[s] && conns[s]->subscribed) send(s, p, (size_t)len, MSG_NOSIGNAL);
      break;
    case 14: drop(ep, fd); break;
  }
}

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: floor_relay PORT\n"); return 2; }
  int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1]))};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1024)) { perror("floor_relay"); return 1; }
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls};
  epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
  struct epoll_event evs[64];
  for (;;) {
    int n = epoll_wait(ep, evs, 64, -1);
    for (int i = 0; i < n; ++i) {
      int fd = evs[i].data.fd;
      if (fd == ls) {
        int c = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
        if (c < 0 || c >= MAX_FD) { if (c >= 0) close(c); continue; }
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conns[c] = calloc(1, sizeof(struct conn));
        struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
        continue;
      }
      struct conn *c = conns[fd];
      if (!c) continue;
      ssize_t r = recv(fd, c->in + c->len, BUF - c->len, 0);
      if (r <= 0) { drop(ep, fd); continue; }
      c->len += (size_t)r;
      size_t off = 0;
      for (;;) {
        long len = packet_length(c->in + off, c->len - off);
        if (len < 0 || len > BUF) { drop(ep, fd); c = NULL; break; }
        if (len == 0 || (size_t)len > c->len - off) break;
        handle(ep, fd, c->in + off, len);
        if (!conns[fd]) { c = NULL; break; }
        off += (size_t)len;
      }
      if (c) { memmove(c->in, c->in + off, c->len - off); c->len -= off; }
    }
  }
}
