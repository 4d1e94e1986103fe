/* quickAck(fd, on = true) -> boolean: TCP_QUICKACK on a connected TCP socket: acknowledge what was read
 * now, and the next segments at once, rather than delaying the ACK up to 40 ms (Linux,
 * tcp(7)).
 *
 * Why: OpenSSH's ssh and sshd leave Nagle's algorithm on for sessions without a terminal, so
 * when one sends two small packets in a row, the second waits until the first is acknowledged.
 * If the first needs no answer (ssh's NEWKEYS before its SERVICE_REQUEST, its KEXINIT before
 * KEX_ECDH_INIT when our KEXINIT went first), our kernel held that ACK back for its delayed-ACK
 * timer and the handshake stopped for ~40 ms each time: `ssh -vvv host true` against hushd
 * showed two such gaps, and sshd and the ssh2 server have them too. The kernel leaves quickack
 * mode again by itself, so the caller sets it after each read that produced no reply.
 * False where the option does not apply (not TCP, closed, not Linux). quickAck(fd, false) puts
 * the socket back in delayed-ACK mode, and quickAckState(fd) tells which mode it is in (true:
 * ACKs go at once), for tests. */
#include "socket_opts.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "args.h"

/* The descriptor argument, checked. */
static int fd_arg(napi_env env, napi_callback_info info, hush_args *a, size_t want, int *fd) {
  uint32_t v;
  if (!hush_get_args(env, info, a, want) || !hush_uint32(env, a->argv[0], "fd must be a number", &v)) return 0;
  if (v > 0x7fffffff) {
    hush_throw_range(env, "fd out of range");
    return 0;
  }
  *fd = (int)v;
  return 1;
}

napi_value hush_quick_ack(napi_env env, napi_callback_info info) {
  hush_args a;
  int fd, on = 1;
  if (!fd_arg(env, info, &a, 1, &fd)) return NULL;
  if (a.argc > 1 && !hush_bool(env, a.argv[1], "on must be a boolean", &on)) return NULL;
#ifdef TCP_QUICKACK
  return hush_boolean(env, setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on) == 0);
#else
  return hush_boolean(env, 0);
#endif
}

napi_value hush_quick_ack_state(napi_env env, napi_callback_info info) {
  hush_args a;
  int fd, v = 0;
  socklen_t len = sizeof v;
  if (!fd_arg(env, info, &a, 1, &fd)) return NULL;
#ifdef TCP_QUICKACK
  if (getsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &v, &len) != 0) v = 0;
#endif
  return hush_boolean(env, v);
}
