/* Starting a session's program without forking Node.
 *
 * Node's child_process.spawn() forks the whole server (libuv's uv_spawn uses fork(), copying
 * the page tables of a process with a large heap) and then blocks the event loop until the
 * child has exec'd. Profiled on hushd under 20 concurrent `exec true` logins (`node
 * --cpu-prof`), spawn() held the loop for ~2.9 ms per session, a quarter of the server's time.
 * glibc's posix_spawn() uses clone(CLONE_VM|CLONE_VFORK): no page tables are copied, and the
 * caller waits only for the exec itself. Even that wait is kept off the event loop: the vfork
 * parent sleeps until the child is scheduled and has exec'd, which under load (every core busy)
 * took 2-4 ms per session in hushd's profile. The spawn runs as async work on libuv's thread
 * pool; JavaScript gets its ends of the descriptors at once and the pid (or the errno) in a callback.
 *
 * The child gets a socketpair as stdin and pipes as stdout and stderr (libuv gives
 * child_process children socketpairs for all three; sshd on Linux gives pipes), every other
 * descriptor closed (closefrom(3): nothing this process has open, such as node-pty's terminal
 * masters, leaks into it), default signal dispositions and an empty
 * signal mask (as libuv's child), a working directory, and optionally a new session (setsid).
 *
 * Reaping: the child is not known to libuv, so libuv's SIGCHLD handler (which waits for its own
 * pids only) never touches it. A pidfd (Linux >= 5.3) becomes readable when the child exits;
 * the addon polls it on Node's own event loop (uv_poll) and then reaps the child with waitpid
 * and calls the JavaScript callback with (exit code, signal number). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "args.h"
#include "spawn.h"

#if defined(__GLIBC__) && defined(SYS_pidfd_open) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
#define HUSH_SPAWN 1
#endif

#define MAX_STRING (128 * 1024)
#define MAX_WORDS 4096

#ifdef HUSH_SPAWN

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  pid_t pid;
  int pidfd;
} watch_t;

static int pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

/* Throws an Error whose code is the errno's name ("ENOENT"), as Node's own spawn errors. */
static napi_value throw_errno(napi_env env, int err, const char *what) {
  char msg[256];
  const char *name = strerrorname_np(err);
  snprintf(msg, sizeof msg, "%s %s", what, strerror(err));
  napi_throw_error(env, name ? name : "ERR_NATIVE_SPAWN", msg);
  return NULL;
}

/* A JS string as a new C string; fails (TypeError) on a non-string, a NUL inside, or one too long. */
static char *c_string(napi_env env, napi_value v, const char *what) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok || len > MAX_STRING) {
    napi_throw_type_error(env, "ERR_NATIVE_ARGS", what);
    return NULL;
  }
  char *s = malloc(len + 1);
  if (s == NULL) return NULL;
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  if (strlen(s) != len) {
    free(s);
    napi_throw_type_error(env, "ERR_NATIVE_ARGS", what);
    return NULL;
  }
  return s;
}

static void free_words(char **w) {
  if (w == NULL) return;
  for (char **p = w; *p; p++) free(*p);
  free(w);
}

/* A JS array of strings as a NULL-terminated C array. */
static char **c_words(napi_env env, napi_value v, const char *what) {
  bool is_array = false;
  uint32_t n = 0;
  if (napi_is_array(env, v, &is_array) != napi_ok || !is_array || napi_get_array_length(env, v, &n) != napi_ok ||
      n > MAX_WORDS) {
    napi_throw_type_error(env, "ERR_NATIVE_ARGS", what);
    return NULL;
  }
  char **w = calloc(n + 1, sizeof *w);
  if (w == NULL) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    if (napi_get_element(env, v, i, &e) != napi_ok || (w[i] = c_string(env, e, what)) == NULL) {
      free_words(w);
      return NULL;
    }
  }
  return w;
}

static void watch_released(uv_handle_t *h) { free(h); }

static void watch_closed(uv_handle_t *h) {
  watch_t *w = (watch_t *)h;
  close(w->pidfd);
  free(w);
}

/* The pidfd is readable: the child has exited. Reap it, stop watching, tell JavaScript. */
static void on_exit_ready(uv_poll_t *p, int status, int events) {
  watch_t *w = (watch_t *)p;
  int st = 0;
  pid_t r;
  do r = waitpid(w->pid, &st, WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == 0) return; /* not yet (spurious wake-up) */
  int code = -1, signo = 0;
  if (r == w->pid && WIFEXITED(st)) code = WEXITSTATUS(st);
  else if (r == w->pid && WIFSIGNALED(st)) signo = WTERMSIG(st);
  uv_poll_stop(p);
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) == napi_ok) {
    napi_value cb, recv, argv[2];
    if (napi_get_reference_value(env, w->callback, &cb) == napi_ok && cb != NULL) {
      napi_get_global(env, &recv); /* napi_make_callback wants an object as `this` */
      napi_create_int32(env, code, &argv[0]);
      napi_create_int32(env, signo, &argv[1]);
      napi_make_callback(env, w->async, recv, cb, 2, argv, NULL);
    }
    napi_close_handle_scope(env, scope);
  }
  napi_delete_reference(env, w->callback);
  napi_async_destroy(env, w->async);
  uv_close((uv_handle_t *)p, watch_closed);
}

/* Starts watching `pid` (through `pidfd`) on the env's loop; 0, or a libuv error code. */
static int watch_child(napi_env env, pid_t pid, int pidfd, napi_value callback) {
  struct uv_loop_s *loop = NULL;
  watch_t *w = calloc(1, sizeof *w);
  napi_value resource, name;
  if (w == NULL || napi_get_uv_event_loop(env, &loop) != napi_ok || napi_create_object(env, &resource) != napi_ok ||
      napi_create_string_utf8(env, "hush:spawn", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_reference(env, callback, 1, &w->callback) != napi_ok) {
    free(w);
    return UV_ENOMEM;
  }
  napi_async_init(env, resource, name, &w->async);
  w->env = env;
  w->pid = pid;
  w->pidfd = pidfd;
  napi_ref callback_ref = w->callback;
  napi_async_context async = w->async;
  int err = uv_poll_init(loop, &w->poll, pidfd);
  if (err == 0) {
    err = uv_poll_start(&w->poll, UV_READABLE, on_exit_ready);
    /* The handle is registered with the loop: it is released through uv_close (the caller closes the pidfd). */
    if (err != 0) uv_close((uv_handle_t *)&w->poll, watch_released);
  } else {
    free(w);
  }
  if (err != 0) {
    napi_delete_reference(env, callback_ref);
    napi_async_destroy(env, async);
  }
  return err;
}

static void close_pairs(int pairs[3][2]) {
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 2; j++)
      if (pairs[i][j] >= 0) close(pairs[i][j]);
}

/* Kills and reaps a child we cannot watch, so it never lingers as an unreaped zombie. */
static void abandon(pid_t pid) {
  kill(pid, SIGKILL);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
  }
}

/* Every signal back to its default, as libuv's child does. sigfillset leaves out glibc's two
 * internal signals (32 and 33), and glibc's spawn child sets those to SIG_IGN unless they are in
 * the "default" set: the program, and everything it starts, would begin with them ignored. The
 * set is copied as it is by posix_spawnattr_setsigdefault, so their bits are set by hand (glibc's
 * sigset_t: signal n is bit n-1 of an array of unsigned longs). */
static void default_signals(sigset_t *set) {
  sigfillset(set);
  sigdelset(set, SIGKILL);
  sigdelset(set, SIGSTOP);
  const unsigned bits = 8 * sizeof(unsigned long);
  for (int sig = 32; sig <= 33 && sig < SIGRTMIN; sig++) set->__val[(sig - 1) / bits] |= 1UL << ((sig - 1) % bits);
}

static int start(pid_t *pid, const char *file, char **argv, char **envp, const char *cwd, int setsid, const int ends[3]) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t none, all;
  int err = posix_spawn_file_actions_init(&fa);
  if (err) return err;
  err = posix_spawnattr_init(&attr);
  if (err) {
    posix_spawn_file_actions_destroy(&fa);
    return err;
  }
  /* The child's ends are all above 2 (0-2 are this process's own), so dup2 clears their close-on-exec. */
  for (int i = 0; i < 3 && !err; i++) err = posix_spawn_file_actions_adddup2(&fa, ends[i], i);
  if (!err) err = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  if (!err && cwd[0]) err = posix_spawn_file_actions_addchdir_np(&fa, cwd);
  sigemptyset(&none);
  default_signals(&all);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | (setsid ? POSIX_SPAWN_SETSID : 0);
  if (!err) err = posix_spawnattr_setflags(&attr, flags);
  if (!err) err = posix_spawnattr_setsigmask(&attr, &none);
  if (!err) err = posix_spawnattr_setsigdefault(&attr, &all);
  if (!err) err = posix_spawn(pid, file, &fa, &attr, argv, envp);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  return err;
}

/* One start in flight: what the thread needs, and what it found. */
typedef struct {
  napi_async_work work;
  napi_ref on_spawn, on_exit;
  char *file, *cwd;
  char **args, **envp;
  int setsid;
  int ends[3]; /* the child's ends (stdin socketpair, stdout/stderr pipes); the thread closes them */
  pid_t pid;
  int pidfd;
  int err;           /* errno of the step that failed, 0 if none */
  const char *stage; /* that step, for the message */
} start_t;

static void start_free(napi_env env, start_t *s) {
  if (s->on_spawn) napi_delete_reference(env, s->on_spawn);
  if (s->on_exit) napi_delete_reference(env, s->on_exit);
  for (int i = 0; i < 3; i++)
    if (s->ends[i] >= 0) close(s->ends[i]);
  free(s->file);
  free(s->cwd);
  free_words(s->args);
  free_words(s->envp);
  free(s);
}

/* On a thread-pool thread: the spawn itself (this thread waits while the child execs), then the pidfd. */
static void start_execute(napi_env env, void *data) {
  start_t *s = data;
  s->err = start(&s->pid, s->file, s->args, s->envp, s->cwd, s->setsid, s->ends);
  s->stage = "spawn";
  /* After a failed start the child's ends stay open until onSpawn has run (start_free closes
   * them): closed here, JavaScript could read end-of-file on stdout and stderr before it learns
   * why, and end the session's output before the reason is written to it. */
  if (s->err) return;
  for (int i = 0; i < 3; i++) {
    close(s->ends[i]);
    s->ends[i] = -1;
  }
  s->pidfd = pidfd_open(s->pid);
  if (s->pidfd < 0) {
    s->err = errno;
    s->stage = "spawn: pidfd_open";
    abandon(s->pid);
  }
}

/* An Error as Node's spawn errors are: code = the errno's name, errno, syscall, path. */
static napi_value errno_error(napi_env env, int err, const char *stage, const char *file) {
  char msg[512];
  const char *name = strerrorname_np(err);
  snprintf(msg, sizeof msg, "%s %s %s", stage, file, name ? name : "error");
  napi_value code, text, e, v;
  napi_create_string_utf8(env, name ? name : "ERR_NATIVE_SPAWN", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &e);
  napi_create_int32(env, -err, &v);
  napi_set_named_property(env, e, "errno", v);
  napi_create_string_utf8(env, stage, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, e, "syscall", v);
  napi_create_string_utf8(env, file, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, e, "path", v);
  return e;
}

/* Back on the loop: watch the child, then onSpawn(null, pid), or onSpawn(error) if it did not start. */
static void start_complete(napi_env env, napi_status status, void *data) {
  start_t *s = data;
  napi_value cb, exit_cb, recv, argv[2];
  if (status == napi_ok && s->err == 0) {
    int uerr = napi_get_reference_value(env, s->on_exit, &exit_cb) == napi_ok ? watch_child(env, s->pid, s->pidfd, exit_cb) : UV_ENOMEM;
    if (uerr != 0) {
      abandon(s->pid);
      close(s->pidfd);
      s->err = -uerr;
      s->stage = "spawn: watch";
    }
  } else if (status != napi_ok && s->err == 0) {
    s->err = ECANCELED;
  }
  napi_get_undefined(env, &recv);
  if (s->err) {
    argv[0] = errno_error(env, s->err, s->stage, s->file);
    napi_get_undefined(env, &argv[1]);
  } else {
    napi_get_null(env, &argv[0]);
    napi_create_int32(env, s->pid, &argv[1]);
  }
  if (napi_get_reference_value(env, s->on_spawn, &cb) == napi_ok && cb != NULL) napi_call_function(env, recv, cb, 2, argv, NULL);
  napi_delete_async_work(env, s->work);
  start_free(env, s);
}

/* spawn(file: string, argv: string[], env: string[], cwd: string, setsid: boolean,
 *       onSpawn: (err: Error | null, pid?: number) => void,
 *       onExit: (code: number, signal: number) => void) -> [stdin, stdout, stderr]
 * `file` must be an absolute path (no PATH search); `cwd` "" keeps the current directory.
 * The three descriptors, returned at once, are this process's ends (close-on-exec): of the
 * stdin socketpair, and the read ends of the stdout and stderr pipes. The program starts on
 * the thread pool, and onSpawn tells how that went.
 * onExit runs once the child was reaped (code -1 when killed by signal `signal`). */
napi_value hush_spawn(napi_env env, napi_callback_info info) {
  napi_value argv_js[7];
  size_t argc = 7;
  napi_valuetype spawn_type, exit_type;
  if (napi_get_cb_info(env, info, &argc, argv_js, NULL, NULL) != napi_ok || argc < 7 ||
      napi_typeof(env, argv_js[5], &spawn_type) != napi_ok || spawn_type != napi_function ||
      napi_typeof(env, argv_js[6], &exit_type) != napi_ok || exit_type != napi_function) {
    napi_throw_type_error(env, "ERR_NATIVE_ARGS", "spawn: (file, argv, env, cwd, setsid, onSpawn, onExit) expected");
    return NULL;
  }
  int setsid = 0;
  if (!hush_bool(env, argv_js[4], "spawn: setsid must be a boolean", &setsid)) return NULL;
  start_t *s = calloc(1, sizeof *s);
  if (s == NULL) {
    napi_throw_error(env, "ERR_NATIVE_SPAWN", "spawn: out of memory");
    return NULL;
  }
  s->setsid = setsid;
  for (int i = 0; i < 3; i++) s->ends[i] = -1;
  int ours[3] = {-1, -1, -1};
  napi_value result = NULL, name;
  s->file = c_string(env, argv_js[0], "spawn: file must be a string without NUL");
  s->cwd = s->file ? c_string(env, argv_js[3], "spawn: cwd must be a string without NUL") : NULL;
  s->args = s->cwd ? c_words(env, argv_js[1], "spawn: argv must be strings without NUL") : NULL;
  s->envp = s->args ? c_words(env, argv_js[2], "spawn: env must be strings without NUL") : NULL;
  if (s->envp == NULL) goto fail; /* an exception is pending (or out of memory) */
  if (s->file[0] != '/') {
    napi_throw_type_error(env, "ERR_NATIVE_ARGS", "spawn: file must be an absolute path");
    goto fail;
  }
  /* stdin: a socketpair. stdout and stderr: pipes, as sshd gives them on Linux (USE_PIPES):
   * the program's many small writes (head and cat write 4 KiB at a time) cost it less on a pipe
   * than on a socket, whose every write allocates a buffer (hushd sending 1 GiB from `head -c`
   * on one CPU: ~0.15 CPU-s per GiB less for the pair). */
  for (int i = 0; i < 3; i++) {
    int pair[2];
    if (i == 0 ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0 : pipe2(pair, O_CLOEXEC) != 0) {
      throw_errno(env, errno, i == 0 ? "spawn: socketpair:" : "spawn: pipe:");
      goto fail;
    }
    ours[i] = pair[0]; /* for a pipe, its read end */
    s->ends[i] = pair[1];
  }
  if (napi_create_reference(env, argv_js[5], 1, &s->on_spawn) != napi_ok ||
      napi_create_reference(env, argv_js[6], 1, &s->on_exit) != napi_ok ||
      napi_create_string_utf8(env, "hush:spawn-start", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, start_execute, start_complete, s, &s->work) != napi_ok) {
    napi_throw_error(env, "ERR_NATIVE_SPAWN", "spawn: cannot queue the start");
    goto fail;
  }
  if (napi_queue_async_work(env, s->work) != napi_ok) {
    napi_delete_async_work(env, s->work);
    napi_throw_error(env, "ERR_NATIVE_SPAWN", "spawn: cannot queue the start");
    goto fail;
  }
  napi_value v;
  napi_create_array_with_length(env, 3, &result);
  for (int i = 0; i < 3; i++) {
    napi_create_int32(env, ours[i], &v);
    napi_set_element(env, result, i, v); /* JavaScript owns it now */
  }
  return result;
fail:
  for (int i = 0; i < 3; i++)
    if (ours[i] >= 0) close(ours[i]);
  start_free(env, s);
  return NULL;
}

/* spawnSupported() -> boolean: whether this kernel has pidfds (probed on our own pid). */
napi_value hush_spawn_supported(napi_env env, napi_callback_info info) {
  int fd = pidfd_open(getpid());
  if (fd >= 0) close(fd);
  return hush_boolean(env, fd >= 0);
}

#else

napi_value hush_spawn(napi_env env, napi_callback_info info) {
  napi_throw_error(env, "ERR_NATIVE_SPAWN", "spawn: not available on this system");
  return NULL;
}

napi_value hush_spawn_supported(napi_env env, napi_callback_info info) { return hush_boolean(env, 0); }

#endif
