// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem-server - hand out shared memory and doorbell eventfds to QEMU
 * ivshmem-doorbell devices (QEMU's ivshmem client/server protocol,
 * docs/specs/ivshmem-spec in the QEMU tree). Debian 12 ships no server.
 *
 * How to use, by example:
 *   ivshmem-server -F -v -S /tmp/ivsh.sock            # 64 MiB memfd, 2 vectors
 *   ivshmem-server -S /tmp/ivsh.sock -l 16M -n 4 -p /tmp/ivsh.pid   # daemon
 *   ivshmem-server -F -S /tmp/ivsh.sock -m /dev/shm/ntb   # shm in a file
 *   ivshmem-server -F -a -S /tmp/ivsh.sock    # announce disconnects (spec)
 *   qemu-system-x86_64 ... -chardev socket,id=ivsh0,path=/tmp/ivsh.sock \
 *       -device ivshmem-doorbell,chardev=ivsh0,vectors=2
 *
 * Peer IDs are handed out lowest-free-first: with two clients they are
 * always 0 and 1, and a client that reconnects after its VM died gets its
 * old ID back. The emulated NTB driver derives its port number from the ID,
 * so this is part of the interface, not an accident.
 *
 * Every message is an 8-byte little-endian signed number, optionally with
 * one file descriptor (SCM_RIGHTS). On connect a client receives: version 0,
 * its ID, -1 with the shm fd, for each other peer that peer's ID once per
 * vector with one eventfd each, then its own ID once per vector with its own
 * eventfds. Later: a peer's ID with an fd per vector when it connects, and
 * (only with -a) a peer's ID without fd when it disconnects.
 *
 * Why disconnects are not announced by default: QEMU's ivshmem (7.2 and
 * earlier) frees a peer's eventfd array on a disconnect message and writes
 * into the freed array when that ID connects again, corrupting its heap
 * (the surviving VM dies with "malloc_consolidate(): unaligned fastbin
 * chunk"). QEMU's own server never reuses an ID, so it never hits this; we
 * must reuse IDs. So each ID slot keeps its eventfds for the server's
 * lifetime: a client returning into its slot gets the same doorbells
 * (drained of stale rings), survivors already hold them and are told
 * nothing. The guest loses nothing: ivshmem never tells it about peers
 * coming and going; peer loss is detected in shared memory. -a restores
 * the spec's behaviour for clients that cope with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define IVSH_PROTOCOL_VERSION	0
#define IVSH_MAX_CLIENTS	16	/* IDs 0..15; bounded on purpose */
#define IVSH_MAX_VECTORS	64
#define IVSH_DEFAULT_SIZE	(64ULL << 20)
#define IVSH_DEFAULT_VECTORS	2

/* One slot per ID; IDs are slot indices. */
struct ivsh_client {
	int sock;			/* -1: slot free */
	int efd[IVSH_MAX_VECTORS];	/* the slot's doorbells, -1 if none */
	uint32_t known;			/* slots whose doorbells sock holds */
	bool dead;			/* send failed/EOF: drop at next sweep */
};

struct ivsh_server {
	char sock_path[PATH_MAX];
	char pid_path[PATH_MAX];
	const char *shm_path;
	unsigned long long shm_size;
	unsigned int vectors;
	bool foreground;
	bool verbose;
	bool announce_disconnect;

	int listen_fd;
	int shm_fd;
	struct ivsh_client client[IVSH_MAX_CLIENTS];
};

static volatile sig_atomic_t stop_requested;

static void logmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ivshmem-server: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

#define dbg(srv, ...) do { if ((srv)->verbose) logmsg(__VA_ARGS__); } while (0)

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ivshmem-server [-a] [-F] [-v] [-S SOCKET] [-l SIZE] [-n VECTORS]\n"
		"                      [-m SHMFILE] [-p PIDFILE]\n"
		"  -S SOCKET  unix socket path (default /tmp/ivshmem_socket)\n"
		"  -l SIZE    shared memory size, power of two, K/M/G suffix (default 64M)\n"
		"  -n VECTORS interrupt vectors per client, 1..%d (default %d)\n"
		"  -m SHMFILE back the memory with this file (default: anonymous memfd)\n"
		"  -p PIDFILE write the server's pid here\n"
		"  -a         announce disconnects and give a returning ID new\n"
		"             eventfds (the spec; QEMU <= 7.2 then crashes, see source)\n"
		"  -F         stay in the foreground (default: daemonize)\n"
		"  -v         log every connect, disconnect and message\n"
		"  -h         this help\n",
		IVSH_MAX_VECTORS, IVSH_DEFAULT_VECTORS);
}

static int parse_size(const char *s, unsigned long long *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	default:
		break;
	}
	if (shift)
		end++;
	if (*end == 'i' || *end == 'B')	/* accept "MiB", "MB" */
		end++;
	if (*end == 'B')
		end++;
	if (*end)
		return -1;
	if (v > (ULLONG_MAX >> shift))
		return -1;
	*out = v << shift;
	return 0;
}

/* Relative paths are made absolute: a daemon chdirs to / and must still
 * be able to unlink its socket and pidfile on exit.
 */
static int abspath(char *dst, size_t len, const char *src)
{
	char cwd[PATH_MAX];
	int n;

	if (src[0] == '/') {
		n = snprintf(dst, len, "%s", src);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return -1;
		n = snprintf(dst, len, "%s/%s", cwd, src);
	}
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

/* Send one message; fd < 0 means no descriptor. Never blocks: a client
 * that does not drain its socket is a broken client and is dropped.
 */
static int send_msg(int sock, int64_t value, int fd)
{
	int64_t le = (int64_t)htole64((uint64_t)value);
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;
	ssize_t n;

	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(le) ? 0 : -1;
}

static void client_send(struct ivsh_server *srv, int id, int64_t value, int fd)
{
	struct ivsh_client *c = &srv->client[id];

	if (c->dead)
		return;
	if (send_msg(c->sock, value, fd) < 0) {
		logmsg("client %d: send failed (%s), dropping it", id,
		       strerror(errno));
		c->dead = true;
		return;
	}
	dbg(srv, "-> client %d: %lld%s", id, (long long)value,
	    fd >= 0 ? " +fd" : "");
}

/* Give client @to the doorbells of slot @id, unless it holds them already:
 * after a peer reconnects into its old slot a survivor still has them.
 */
static void announce_peer(struct ivsh_server *srv, int to, int id)
{
	unsigned int v;

	if (srv->client[to].known & (1u << id))
		return;
	for (v = 0; v < srv->vectors; v++)
		client_send(srv, to, id, srv->client[id].efd[v]);
	srv->client[to].known |= 1u << id;
}

static void slot_close_eventfds(struct ivsh_server *srv, int id)
{
	struct ivsh_client *c = &srv->client[id];
	unsigned int v;

	for (v = 0; v < srv->vectors; v++) {
		if (c->efd[v] >= 0)
			close(c->efd[v]);
		c->efd[v] = -1;
	}
}

/* The slot's eventfds live as long as the server (see the header comment)
 * unless disconnects are announced.
 */
static void client_release(struct ivsh_server *srv, int id)
{
	struct ivsh_client *c = &srv->client[id];

	if (c->sock >= 0)
		close(c->sock);
	c->sock = -1;
	c->dead = false;
	c->known = 0;
	if (srv->announce_disconnect)
		slot_close_eventfds(srv, id);
}

/* Drop every dead client; with -a tell the survivors, which may kill more
 * (a full socket), so sweep until nothing changes.
 */
static void sweep_dead(struct ivsh_server *srv)
{
	bool again = true;
	int id, other;

	while (again) {
		again = false;
		for (id = 0; id < IVSH_MAX_CLIENTS; id++) {
			if (srv->client[id].sock < 0 || !srv->client[id].dead)
				continue;
			client_release(srv, id);
			logmsg("client %d disconnected", id);
			again = true;
			if (!srv->announce_disconnect)
				continue;
			for (other = 0; other < IVSH_MAX_CLIENTS; other++) {
				if (srv->client[other].sock < 0)
					continue;
				client_send(srv, other, id, -1);
				srv->client[other].known &= ~(1u << id);
			}
		}
	}
}

/* A reused slot's doorbells may hold rings nobody took while it was
 * empty; the new client starts without stale interrupts.
 */
static int slot_prepare_eventfds(struct ivsh_server *srv, int id)
{
	struct ivsh_client *c = &srv->client[id];
	uint64_t junk;
	unsigned int v;

	for (v = 0; v < srv->vectors; v++) {
		if (c->efd[v] >= 0) {
			while (read(c->efd[v], &junk, sizeof(junk)) > 0)
				;
			continue;
		}
		c->efd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (c->efd[v] < 0) {
			logmsg("eventfd: %s", strerror(errno));
			slot_close_eventfds(srv, id);
			return -1;
		}
	}
	return 0;
}

static void accept_client(struct ivsh_server *srv)
{
	struct ivsh_client *c;
	unsigned int v;
	int sock, id, other;

	sock = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (sock < 0) {
		if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
			logmsg("accept: %s", strerror(errno));
		return;
	}
	for (id = 0; id < IVSH_MAX_CLIENTS; id++)
		if (srv->client[id].sock < 0)
			break;
	if (id == IVSH_MAX_CLIENTS) {
		logmsg("refusing a client: already %d connected",
		       IVSH_MAX_CLIENTS);
		close(sock);
		return;
	}
	c = &srv->client[id];
	if (slot_prepare_eventfds(srv, id) < 0) {
		close(sock);
		return;
	}
	c->sock = sock;
	c->dead = false;
	c->known = 0;

	client_send(srv, id, IVSH_PROTOCOL_VERSION, -1);
	client_send(srv, id, id, -1);
	client_send(srv, id, -1, srv->shm_fd);
	for (other = 0; other < IVSH_MAX_CLIENTS; other++)
		if (other != id && srv->client[other].sock >= 0 &&
		    !srv->client[other].dead)
			announce_peer(srv, id, other);
	for (v = 0; v < srv->vectors; v++)
		client_send(srv, id, id, c->efd[v]);
	if (c->dead) {
		/* Gone before the others heard of it: tell nobody. */
		client_release(srv, id);
		return;
	}
	logmsg("client %d connected", id);
	for (other = 0; other < IVSH_MAX_CLIENTS; other++)
		if (other != id && srv->client[other].sock >= 0)
			announce_peer(srv, other, id);
	sweep_dead(srv);
}

/* Clients never talk; readable means EOF (or junk, which we drop). */
static void client_readable(struct ivsh_server *srv, int id)
{
	char buf[256];
	ssize_t n;

	n = recv(srv->client[id].sock, buf, sizeof(buf), MSG_DONTWAIT);
	if (n > 0) {
		dbg(srv, "client %d sent %zd unexpected bytes, ignored", id, n);
		return;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	srv->client[id].dead = true;
}

static int open_shm(struct ivsh_server *srv)
{
	int fd;

	if (srv->shm_path)
		fd = open(srv->shm_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	else
		fd = memfd_create("ivshmem", MFD_CLOEXEC);
	if (fd < 0) {
		logmsg("%s: %s", srv->shm_path ? srv->shm_path : "memfd_create",
		       strerror(errno));
		return -1;
	}
	if (ftruncate(fd, (off_t)srv->shm_size) < 0) {
		logmsg("ftruncate to %llu: %s", srv->shm_size, strerror(errno));
		close(fd);
		return -1;
	}
	srv->shm_fd = fd;
	return 0;
}

/* A socket file left by a dead server is removed; a live one is an error. */
static int open_listener(struct ivsh_server *srv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(srv->sock_path) >= sizeof(sa.sun_path)) {
		logmsg("socket path too long: %s", srv->sock_path);
		return -1;
	}
	strcpy(sa.sun_path, srv->sock_path);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		logmsg("socket: %s", strerror(errno));
		return -1;
	}
	if (lstat(srv->sock_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			logmsg("%s exists and is not a socket", srv->sock_path);
			goto err_close;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			logmsg("%s: another server is listening", srv->sock_path);
			goto err_close;
		}
		unlink(srv->sock_path);
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		logmsg("bind %s: %s", srv->sock_path, strerror(errno));
		goto err_close;
	}
	if (listen(fd, IVSH_MAX_CLIENTS) < 0) {
		logmsg("listen: %s", strerror(errno));
		goto err_unlink;
	}
	srv->listen_fd = fd;
	return 0;

err_unlink:
	unlink(srv->sock_path);
err_close:
	close(fd);
	return -1;
}

static int daemonize(void)
{
	pid_t pid;
	int fd;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -1;
	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return -1;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	return 0;
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		logmsg("%s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "%d\n", (int)getpid());
	if (fclose(f) != 0) {
		logmsg("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int serve(struct ivsh_server *srv, const sigset_t *waitmask)
{
	struct pollfd pfd[IVSH_MAX_CLIENTS + 1];
	int who[IVSH_MAX_CLIENTS + 1];
	int n, i, id, rc;

	while (!stop_requested) {
		n = 0;
		pfd[n].fd = srv->listen_fd;
		pfd[n].events = POLLIN;
		who[n++] = -1;
		for (id = 0; id < IVSH_MAX_CLIENTS; id++) {
			if (srv->client[id].sock < 0)
				continue;
			pfd[n].fd = srv->client[id].sock;
			pfd[n].events = POLLIN;
			who[n++] = id;
		}
		/* Signals are blocked except inside ppoll: no lost wakeup. */
		rc = ppoll(pfd, (nfds_t)n, NULL, waitmask);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			logmsg("poll: %s", strerror(errno));
			return -1;
		}
		for (i = 1; i < n; i++)
			if (pfd[i].revents)
				client_readable(srv, who[i]);
		sweep_dead(srv);
		if (pfd[0].revents & POLLIN)
			accept_client(srv);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct ivsh_server srv;
	const char *sock = "/tmp/ivshmem_socket", *pidfile = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, waitmask;
	unsigned long long v;
	int opt, id, rc;

	srv.shm_size = IVSH_DEFAULT_SIZE;
	srv.vectors = IVSH_DEFAULT_VECTORS;
	srv.listen_fd = -1;
	srv.shm_fd = -1;
	for (id = 0; id < IVSH_MAX_CLIENTS; id++) {
		srv.client[id].sock = -1;
		for (opt = 0; opt < IVSH_MAX_VECTORS; opt++)
			srv.client[id].efd[opt] = -1;
	}

	while ((opt = getopt(argc, argv, "S:l:n:m:p:aFvh")) != -1) {
		switch (opt) {
		case 'S':
			sock = optarg;
			break;
		case 'l':
			if (parse_size(optarg, &v) < 0 || v < 4096 ||
			    (v & (v - 1))) {
				logmsg("bad size '%s': need a power of two >= 4K",
				       optarg);
				return 2;
			}
			srv.shm_size = v;
			break;
		case 'n':
			if (parse_size(optarg, &v) < 0 || v < 1 ||
			    v > IVSH_MAX_VECTORS) {
				logmsg("bad vector count '%s': need 1..%d",
				       optarg, IVSH_MAX_VECTORS);
				return 2;
			}
			srv.vectors = (unsigned int)v;
			break;
		case 'm':
			srv.shm_path = optarg;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'a':
			srv.announce_disconnect = true;
			break;
		case 'F':
			srv.foreground = true;
			break;
		case 'v':
			srv.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (abspath(srv.sock_path, sizeof(srv.sock_path), sock) < 0 ||
	    (pidfile && abspath(srv.pid_path, sizeof(srv.pid_path), pidfile) < 0)) {
		logmsg("path too long");
		return 2;
	}

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGHUP);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = 1;
	if (open_shm(&srv) < 0)
		goto out;
	if (open_listener(&srv) < 0)
		goto out_shm;
	if (!srv.foreground && daemonize() < 0) {
		logmsg("daemonize: %s", strerror(errno));
		goto out_listener;
	}
	if (srv.pid_path[0] && write_pidfile(srv.pid_path) < 0)
		goto out_listener;
	logmsg("listening on %s: %llu bytes of %s, %u vectors", srv.sock_path,
	       srv.shm_size, srv.shm_path ? srv.shm_path : "memfd",
	       srv.vectors);

	rc = serve(&srv, &waitmask) < 0 ? 1 : 0;
	logmsg("exiting");

	for (id = 0; id < IVSH_MAX_CLIENTS; id++) {
		if (srv.client[id].sock >= 0)
			client_release(&srv, id);
		slot_close_eventfds(&srv, id);
	}
	if (srv.pid_path[0])
		unlink(srv.pid_path);
out_listener:
	close(srv.listen_fd);
	unlink(srv.sock_path);
out_shm:
	close(srv.shm_fd);
out:
	return rc;
}
