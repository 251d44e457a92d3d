/*
 * Static probe for the security tests (security.md T19-T21, T23): prints the process's capability,
 * seccomp and no-new-privileges lines from /proc/self/status, its open fds, then tries syscalls the
 * default seccomp profile must deny and prints NAME=OK or NAME=<errno name>. Our own code, built
 * with `gcc -static` by the test.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <unistd.h>
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif

static void report(const char *name, long rc) { printf("%s=%s\n", name, rc < 0 ? strerrorname_np(errno) : "OK"); }

int main(void) {
  char line[256];
  FILE *f = fopen("/proc/self/status", "r");
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "Cap", 3) || !strncmp(line, "Seccomp:", 8) || !strncmp(line, "NoNewPrivs", 10)) fputs(line, stdout);
  if (f) fclose(f);
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  printf("fds=");
  while (d && (e = readdir(d)))
    if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d)) printf("%s,", e->d_name);
  printf("\n");
  if (d) closedir(d);
  report("unshare_user", unshare(CLONE_NEWUSER));
  report("unshare_mnt", unshare(CLONE_NEWNS));
  report("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
  report("keyctl", syscall(SYS_keyctl, 0, 0, 0, 0, 0));
  report("add_key", syscall(SYS_add_key, "user", "x", "y", 1, -2));
  report("bpf", syscall(SYS_bpf, 0, 0, 0));
  report("perf_event_open", syscall(SYS_perf_event_open, 0, 0, -1, -1, 0));
  report("kexec_load", syscall(SYS_kexec_load, 0, 0, 0, 0));
  report("open_by_handle_at", syscall(SYS_open_by_handle_at, -1, 0, 0));
  report("socket_vsock", socket(40, SOCK_STREAM, 0));
  report("clone3", syscall(SYS_clone3, 0, 0));
  report("personality", personality(0xffff));
  report("io_uring_setup", syscall(SYS_io_uring_setup, 1, 0));
  return 0;
}
