/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket server and the telemetry commands (the state
 * directory is control/state.c's).  Everything here runs on the main thread except the telemetry
 * callbacks (DPDK's telemetry thread), which call the same handlers.
 *
 * A client sends one request per line; lines are answered in order.  The
 * server never blocks on a client: the main loop also feeds the systemd
 * watchdog and applies guest changes.  Reads and writes are non-blocking;
 * answers a client has not taken yet wait in its out buffer; a client that
 * takes none for CTL_STALL_SECONDS is dropped, as is one idle for
 * CTL_IDLE_SECONDS; at most CTL_MAX_CLIENTS are connected at once.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_telemetry.h>

#include "ctl/ctl.h"
#include "lib/fs.h"
#include "control/vhostd.h"
#include "vhostd/ctl_table.h"

#define CTL_MAX_CLIENTS 16
#define CTL_IDLE_SECONDS 60
/*
 * Answers waiting for their client.  With CTL_OUT_PAUSE bytes waiting, the
 * client's further requests stay unread (in its buffer, then in the
 * kernel's) until it takes some; one answer that would make more than
 * CTL_OUT_MAX wait, or CTL_STALL_SECONDS without taking a byte, and it is
 * dropped.  The largest answer measured, stats with 64 guests of 16 queue
 * pairs, is 240 kB.
 */
#define CTL_OUT_PAUSE (64 * 1024)
#define CTL_OUT_MAX (4 * 1024 * 1024)
#define CTL_STALL_SECONDS 5

struct ctl_client {
	int fd;
	bool paused;			/* CTL_OUT_PAUSE reached: lines wait in buf */
	bool closing;			/* EOF or a refused line: close once answered */
	size_t len;
	char *buf;			/* CTL_MAX_REQUEST bytes */
	char *out;			/* answers, out_done of out_len bytes sent */
	size_t out_len;
	size_t out_done;
	size_t out_cap;
	time_t last;			/* a request byte read, an answer byte taken */
	struct ucred cred;		/* who, for the log */
};

struct ctl {
	int listen_fd;
	struct stat sock_st;		/* removed at exit only if still this file */
	struct ctl_client clients[CTL_MAX_CLIENTS];
};

static struct vhostd *tel_vhostd;	/* telemetry callbacks carry no context */

static time_t
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* ---- telemetry: the same handlers, flattened for DPDK's telemetry ---- */

static void
tel_add(struct rte_tel_data *t, const char *key, json_t *v)
{
	char buf[RTE_TEL_MAX_STRING_LEN];

	switch (json_typeof(v)) {
	case JSON_INTEGER:
		rte_tel_data_add_dict_u64(t, key, (uint64_t)json_integer_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		rte_tel_data_add_dict_int(t, key, json_is_true(v));
		break;
	case JSON_REAL:
		snprintf(buf, sizeof(buf), "%.2f", json_real_value(v));
		rte_tel_data_add_dict_string(t, key, buf);
		break;
	case JSON_STRING:
		rte_tel_data_add_dict_string(t, key, json_string_value(v));
		break;
	default:
		break;
	}
}

/* DPDK 22.11 telemetry nests only arrays of scalars in a dict: objects are
 * flattened into keys joined by "_" ("counters_total_rx_pkts"; telemetry
 * refuses "." in names). */
static void
tel_flatten(struct rte_tel_data *t, const char *prefix, json_t *v)
{
	char key[RTE_TEL_MAX_STRING_LEN];
	const char *k;
	json_t *item;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, k, item) {
			snprintf(key, sizeof(key), "%s%s%s", prefix, prefix[0] ? "_" : "", k);
			tel_flatten(t, key, item);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			snprintf(key, sizeof(key), "%s_%zu", prefix, i);
			tel_flatten(t, key, item);
		}
	} else {
		tel_add(t, prefix, v);
	}
}

static int
tel_run(const char *cmd, const char *params, struct rte_tel_data *t)
{
	const struct ctl_cmd *c = NULL;
	json_t *args = json_object(), *result = NULL;
	char err[256] = "";
	int ret;

	for (unsigned int i = 0; i < ctl_nb_commands; i++)
		if (strcmp(ctl_commands[i].name, cmd) == 0)
			c = &ctl_commands[i];
	if (c == NULL) {
		json_decref(args);
		return -EINVAL;
	}
	if (params != NULL && params[0] != '\0')
		json_object_set_new(args, "name", json_string(params));
	else if (c->nb_params > 0 && c->params[0].required) {
		json_decref(args);
		return -EINVAL;
	}
	ret = c->handler(tel_vhostd, args, &result, err, sizeof(err));
	json_decref(args);
	if (ret != 0)
		return ret;
	rte_tel_data_start_dict(t);
	tel_flatten(t, "", result);
	json_decref(result);
	return 0;
}

static int
tel_guests(const char *cmd, const char *params, struct rte_tel_data *t)
{
	json_t *result = NULL;
	json_t *args = json_object();
	char err[64];
	json_t *g;
	size_t i;

	(void)cmd;
	(void)params;
	ctl_commands[CTL_CMD_GUEST_LIST].handler(tel_vhostd, args, &result, err, sizeof(err));
	json_decref(args);
	/* One entry per guest: name -> state. */
	rte_tel_data_start_dict(t);
	json_array_foreach(json_object_get(result, "guests"), i, g)
		rte_tel_data_add_dict_string(t, json_string_value(json_object_get(g, "name")),
					     json_string_value(json_object_get(g, "state")));
	json_decref(result);
	return 0;
}

static int
tel_guest(const char *cmd, const char *params, struct rte_tel_data *t)
{
	(void)cmd;
	return tel_run("guest.show", params, t);
}

static int
tel_guest_why(const char *cmd, const char *params, struct rte_tel_data *t)
{
	(void)cmd;
	return tel_run("guest.why", params, t);
}

static int
tel_workers(const char *cmd, const char *params, struct rte_tel_data *t)
{
	(void)cmd;
	(void)params;
	return tel_run("workers", NULL, t);
}

static int
tel_uplink(const char *cmd, const char *params, struct rte_tel_data *t)
{
	(void)cmd;
	return tel_run("uplink.show", params, t);
}

/* ---- the socket ---- */

int
ctl_open(struct vhostd *d)
{
	const char *path = d->cfg.daemon.control_socket;
	const char *group = d->cfg.daemon.control_group;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	gid_t gid = (gid_t)-1;
	mode_t old_umask;
	struct ctl *c;
	char why[256];
	bool stale;
	int fd, ret;

	if (ctl_commands_bind() != 0) {
		LOG(ERR, "control: a command of ctl_table.c has no handler in ctl_cmds.c");
		return -EINVAL;
	}
	ret = fs_socket_prepare(path, &stale, why, sizeof(why));
	if (ret == -EADDRINUSE) {
		LOG(ERR, "control socket %s is in use by another vhostd: give this one a path "
		    "of its own ([daemon] control-socket)", path);
		return ret;
	}
	if (ret != 0) {
		LOG(ERR, "control socket %s: %s ([daemon] control-socket)", path, why);
		return ret;
	}
	if (stale)
		LOG(INFO, "control socket %s: removed a stale one", path);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		c->clients[i].fd = -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		goto err_free;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	/* Born 0600 (bind(2) follows the umask) and opened to the group by
	 * fs_socket_perms() only, as guests' sockets are (ports/vhost.c). */
	old_umask = umask(0177);
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : -errno;
	umask(old_umask);
	if (ret == 0 && listen(fd, 8) != 0)
		ret = -errno;
	if (ret != 0) {
		LOG(ERR, "control socket %s: %s", path, strerror(-ret));
		goto err_close;
	}
	if (group[0] != '\0') {
		struct group *gr = getgrnam(group);

		if (gr != NULL)
			gid = gr->gr_gid;
		else
			LOG(WARNING, "control socket %s: no group %s; left to vhostd's group",
			    path, group);
	}
	ret = fs_socket_perms(path, (uid_t)-1, gid, 0660, &c->sock_st, why, sizeof(why));
	if (ret == -EPERM && gid != (gid_t)-1) {
		LOG(WARNING, "control socket %s: cannot give it to group %s: %s", path, group, why);
		ret = fs_socket_perms(path, (uid_t)-1, (gid_t)-1, 0660, &c->sock_st, why,
				      sizeof(why));
	}
	if (ret != 0) {
		LOG(ERR, "control socket %s: %s", path, why);
		goto err_close;
	}
	c->listen_fd = fd;
	d->ctl = c;

	tel_vhostd = d;
	rte_telemetry_register_cmd("/vhostd/guests", tel_guests,
				   "Guests and their state. Takes no parameters");
	rte_telemetry_register_cmd("/vhostd/guest", tel_guest,
				   "A guest: features, vrings, counters. Parameters: guest name");
	rte_telemetry_register_cmd("/vhostd/guest_why", tel_guest_why,
				   "Why a guest lost frames in the last 10 s: guest, host, wire or "
				   "policy. Parameters: guest name");
	rte_telemetry_register_cmd("/vhostd/uplink", tel_uplink,
				   "An uplink and its counters. Parameters: uplink name");
	rte_telemetry_register_cmd("/vhostd/workers", tel_workers,
				   "Workers: queues, busy cycles, cycles per packet. Takes no parameters");
	LOG(INFO, "control socket %s", path);
	return 0;

err_close:
	close(fd);
err_free:
	free(c);
	return ret;
}

static void
client_close(struct ctl_client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	free(cl->buf);
	free(cl->out);
	*cl = (struct ctl_client){ .fd = -1 };
}

static void
client_drop(struct ctl_client *cl, const char *why)
{
	LOG(WARNING, "control client pid %d uid %u dropped: %s", (int)cl->cred.pid,
	    (unsigned int)cl->cred.uid, why);
	client_close(cl);
}

void
ctl_close(struct vhostd *d)
{
	const char *path = d->cfg.daemon.control_socket;
	struct ctl *c = d->ctl;

	if (c == NULL)
		return;
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		client_close(&c->clients[i]);
	close(c->listen_fd);
	if (fs_socket_remove(path, &c->sock_st) == -ESTALE)
		LOG(WARNING, "control socket %s was replaced by another file; left alone", path);
	free(c);
	d->ctl = NULL;
}

static size_t
out_pending(const struct ctl_client *cl)
{
	return cl->out_len - cl->out_done;
}

unsigned int
ctl_pollfds(struct vhostd *d, struct pollfd *pfd, unsigned int max)
{
	struct ctl *c = d->ctl;
	unsigned int n = 0;

	if (c == NULL || max == 0)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
	for (int i = 0; i < CTL_MAX_CLIENTS && n < max; i++) {
		const struct ctl_client *cl = &c->clients[i];

		if (cl->fd < 0)
			continue;
		pfd[n++] = (struct pollfd){
			.fd = cl->fd,
			.events = (cl->paused || cl->closing ? 0 : POLLIN) |
				  (out_pending(cl) > 0 ? POLLOUT : 0),
		};
	}
	return n;
}

/* Send what the client takes now; 0, or -errno when it is gone. */
static int
client_flush(struct ctl_client *cl)
{
	while (out_pending(cl) > 0) {
		ssize_t w = send(cl->fd, cl->out + cl->out_done, out_pending(cl),
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN ? 0 : -errno;
		cl->out_done += (size_t)w;
		cl->last = now_seconds();
	}
	cl->out_len = 0;
	cl->out_done = 0;
	if (cl->out_cap > CTL_OUT_PAUSE) {	/* after a large answer */
		free(cl->out);
		cl->out = NULL;
		cl->out_cap = 0;
	}
	return 0;
}

/* Append an answer and its newline; -ENOBUFS past CTL_OUT_MAX. */
static int
client_queue(struct ctl_client *cl, const char *text)
{
	size_t n = strlen(text) + 1, pending = out_pending(cl);

	if (pending + n > CTL_OUT_MAX)
		return -ENOBUFS;
	if (cl->out_done > 0)
		memmove(cl->out, cl->out + cl->out_done, pending);
	cl->out_len = pending;
	cl->out_done = 0;
	if (pending + n > cl->out_cap) {
		size_t cap = cl->out_cap ? cl->out_cap : 4096;
		char *p;

		while (cap < pending + n)
			cap *= 2;
		p = realloc(cl->out, cap);
		if (p == NULL)
			return -ENOMEM;
		cl->out = p;
		cl->out_cap = cap;
	}
	memcpy(cl->out + pending, text, n - 1);
	cl->out[pending + n - 1] = '\n';
	cl->out_len += n;
	return 0;
}

struct line_ctx {
	struct vhostd *d;
	struct ctl_client *cl;
};

/* 0: next line; 1: answers pile up, stop here; -errno: drop the client. */
static int
answer_line(void *arg, const char *line, size_t len)
{
	struct line_ctx *lc = arg;
	char *text = ctl_dispatch(ctl_commands, ctl_nb_commands, line, len, lc->d);
	int ret = text != NULL ? client_queue(lc->cl, text) : -ENOMEM;

	free(text);
	if (ret == 0)
		ret = client_flush(lc->cl);
	if (ret == 0 && out_pending(lc->cl) >= CTL_OUT_PAUSE)
		ret = 1;
	return ret;
}

/* Answer the whole lines in the client's buffer, until answers pile up. */
static void
client_answer(struct vhostd *d, struct ctl_client *cl)
{
	struct line_ctx lc = { d, cl };
	char why[128];
	int ret;

	ret = ctl_split_lines(cl->buf, &cl->len, CTL_MAX_REQUEST, answer_line, &lc);
	cl->paused = ret == 1;
	if (ret == -E2BIG) {
		/* No newline in 64 KiB: refuse, and close once that is sent. */
		char *text = ctl_error_answer(-E2BIG, "request too long (no newline in "
					      RTE_STR(CTL_MAX_REQUEST) " bytes)");

		cl->len = 0;
		cl->closing = true;
		ret = text != NULL ? client_queue(cl, text) : -ENOMEM;
		free(text);
		if (ret == 0)
			ret = client_flush(cl);
	}
	if (ret == -ENOBUFS) {
		snprintf(why, sizeof(why), "an answer would have left more than %d bytes "
			 "waiting for it", CTL_OUT_MAX);
		client_drop(cl, why);
	} else if (ret < 0) {
		client_close(cl);	/* gone, or out of memory */
	}
}

static void
client_read(struct vhostd *d, struct ctl_client *cl)
{
	ssize_t r;

	/* One read per poll: a client that writes as fast as it is answered
	 * does not keep the main loop to itself. */
	do {
		r = recv(cl->fd, cl->buf + cl->len, CTL_MAX_REQUEST - cl->len, MSG_DONTWAIT);
	} while (r < 0 && errno == EINTR);
	if (r < 0 && errno == EAGAIN)
		return;
	if (r < 0) {
		client_close(cl);
		return;
	}
	if (r == 0) {		/* its half closed: what it asked is still answered */
		cl->closing = true;
		return;
	}
	cl->len += (size_t)r;
	cl->last = now_seconds();
	client_answer(d, cl);
}

static void
client_serve(struct vhostd *d, struct ctl_client *cl, short revents)
{
	if ((revents & (POLLOUT | POLLHUP | POLLERR)) && client_flush(cl) != 0) {
		client_close(cl);
		return;
	}
	if (cl->paused && out_pending(cl) < CTL_OUT_PAUSE)
		client_answer(d, cl);	/* the lines that waited */
	if (cl->fd >= 0 && !cl->paused && !cl->closing &&
	    (revents & (POLLIN | POLLHUP | POLLERR)))
		client_read(d, cl);
	if (cl->fd >= 0 && cl->closing && out_pending(cl) == 0)
		client_close(cl);
}

static void
accept_client(struct ctl *c)
{
	static const char busy[] =
		"{\"ok\":false,\"error\":{\"code\":\"EBUSY\",\"message\":\"too many control clients\"}}\n";
	socklen_t len = sizeof(struct ucred);
	struct ctl_client *cl = NULL;
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	for (int i = 0; i < CTL_MAX_CLIENTS && cl == NULL; i++)
		if (c->clients[i].fd < 0)
			cl = &c->clients[i];
	if (cl == NULL) {
		/* An empty socket buffer takes this whole, or the client is gone. */
		send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		close(fd);
		return;
	}
	cl->buf = malloc(CTL_MAX_REQUEST);
	if (cl->buf == NULL) {
		close(fd);
		return;
	}
	getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cl->cred, &len);
	cl->fd = fd;
	cl->last = now_seconds();
}

void
ctl_serve(struct vhostd *d, const struct pollfd *pfd, unsigned int n)
{
	struct ctl *c = d->ctl;
	time_t now = now_seconds();
	char why[128];

	if (c == NULL)
		return;
	for (unsigned int i = 1; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		for (int k = 0; k < CTL_MAX_CLIENTS; k++)
			if (c->clients[k].fd == pfd[i].fd)
				client_serve(d, &c->clients[k], pfd[i].revents);
	}
	if (n > 0 && (pfd[0].revents & POLLIN))
		accept_client(c);
	for (int k = 0; k < CTL_MAX_CLIENTS; k++) {
		struct ctl_client *cl = &c->clients[k];

		if (cl->fd < 0)
			continue;
		if (out_pending(cl) > 0 && now - cl->last >= CTL_STALL_SECONDS) {
			snprintf(why, sizeof(why), "it took none of its answers for %d s (%zu bytes "
				 "waiting)", CTL_STALL_SECONDS, out_pending(cl));
			client_drop(cl, why);
		} else if (now - cl->last > CTL_IDLE_SECONDS) {
			client_close(cl);
		}
	}
}
