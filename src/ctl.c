/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket server, the state directory and the telemetry
 * commands.  Everything here runs on the main thread except the telemetry
 * callbacks (DPDK's telemetry thread), which call the same handlers.
 *
 * A client sends one request per line; lines are answered in order.  The
 * server never blocks on a client for long: reads are non-blocking, writes
 * time out after 5 s, idle clients are dropped after 60 s, and at most
 * CTL_MAX_CLIENTS are connected at once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

#include "ctl.h"
#include "vhostd.h"
#include "vhostd/ctl_table.h"

#define CTL_MAX_CLIENTS 16
#define CTL_IDLE_SECONDS 60

struct ctl_client {
	int fd;
	size_t len;
	time_t last;
	char *buf;			/* CTL_MAX_REQUEST bytes */
};

struct ctl {
	int listen_fd;
	struct ctl_client clients[CTL_MAX_CLIENTS];
};

static struct vhostd *tel_vhostd;	/* telemetry callbacks carry no context */

static int
make_dirs(const char *path, mode_t mode)
{
	char buf[VHOSTD_PATH_MAX * 2];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return -errno;
	return 0;
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
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[VHOSTD_PATH_MAX];
	struct ctl *c;
	char *slash;
	int fd;

	if (ctl_commands_bind() != 0) {
		LOG(ERR, "control: a command of ctl_table.c has no handler in ctl_cmds.c");
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		c->clients[i].fd = -1;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		make_dirs(dir, 0755);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto err_free;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	/* A socket file nobody answers on is a leftover from a crash. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		LOG(ERR, "control socket %s is in use by another vhostd: give this one a path "
		    "of its own ([daemon] control-socket)", path);
		close(fd);
		free(c);
		return -EADDRINUSE;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 8) != 0) {
		LOG(ERR, "control socket %s: %s", path, strerror(errno));
		goto err_close;
	}
	chmod(path, 0660);
	if (d->cfg.daemon.control_group[0] != '\0') {
		struct group *gr = getgrnam(d->cfg.daemon.control_group);

		if (gr == NULL || chown(path, (uid_t)-1, gr->gr_gid) != 0)
			LOG(WARNING, "control socket %s: cannot give it to group %s", path,
			    d->cfg.daemon.control_group);
	}
	c->listen_fd = fd;
	d->ctl = c;

	tel_vhostd = d;
	rte_telemetry_register_cmd("/vhostd/guests", tel_guests,
				   "Guests and their state. Takes no parameters");
	rte_telemetry_register_cmd("/vhostd/guest", tel_guest,
				   "A guest: features, vrings, counters. Parameters: guest name");
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
	return -errno;
}

static void
client_close(struct ctl_client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	free(cl->buf);
	cl->fd = -1;
	cl->buf = NULL;
	cl->len = 0;
}

void
ctl_close(struct vhostd *d)
{
	struct ctl *c = d->ctl;

	if (c == NULL)
		return;
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		client_close(&c->clients[i]);
	close(c->listen_fd);
	unlink(d->cfg.daemon.control_socket);
	free(c);
	d->ctl = NULL;
}

unsigned int
ctl_pollfds(struct vhostd *d, struct pollfd *pfd, unsigned int max)
{
	struct ctl *c = d->ctl;
	unsigned int n = 0;

	if (c == NULL || max == 0)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
	for (int i = 0; i < CTL_MAX_CLIENTS && n < max; i++)
		if (c->clients[i].fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = c->clients[i].fd, .events = POLLIN };
	return n;
}

static int
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
answer(struct vhostd *d, struct ctl_client *cl, const char *line, size_t len)
{
	char *text = ctl_dispatch(ctl_commands, ctl_nb_commands, line, len, d);
	int ret;

	if (text == NULL)
		return -1;
	ret = send_all(cl->fd, text, strlen(text));
	if (ret == 0)
		ret = send_all(cl->fd, "\n", 1);
	free(text);
	return ret;
}

struct line_ctx {
	struct vhostd *d;
	struct ctl_client *cl;
};

static int
answer_line(void *arg, const char *line, size_t len)
{
	struct line_ctx *lc = arg;

	return answer(lc->d, lc->cl, line, len);
}

static void
client_read(struct vhostd *d, struct ctl_client *cl)
{
	struct line_ctx lc = { d, cl };

	for (;;) {
		ssize_t r = recv(cl->fd, cl->buf + cl->len, CTL_MAX_REQUEST - cl->len,
				 MSG_DONTWAIT);
		int ret;

		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r <= 0) {
			client_close(cl);
			return;
		}
		cl->len += (size_t)r;
		cl->last = time(NULL);
		ret = ctl_split_lines(cl->buf, &cl->len, CTL_MAX_REQUEST, answer_line, &lc);
		if (ret == -E2BIG) {
			/* No newline in 64 KiB: refuse, and drop the client. */
			char *text = ctl_error_answer(-E2BIG, "request too long (no newline in "
						      RTE_STR(CTL_MAX_REQUEST) " bytes)");

			if (text != NULL && send_all(cl->fd, text, strlen(text)) == 0)
				send_all(cl->fd, "\n", 1);
			free(text);
		}
		if (ret != 0) {
			client_close(cl);
			return;
		}
	}
}

static void
accept_client(struct ctl *c)
{
	struct timeval tv = { .tv_sec = 5 };
	struct ctl_client *cl = NULL;
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	for (int i = 0; i < CTL_MAX_CLIENTS && cl == NULL; i++)
		if (c->clients[i].fd < 0)
			cl = &c->clients[i];
	if (cl == NULL) {
		static const char busy[] =
			"{\"ok\":false,\"error\":{\"code\":\"EBUSY\",\"message\":\"too many control clients\"}}\n";

		send_all(fd, busy, sizeof(busy) - 1);
		close(fd);
		return;
	}
	cl->buf = malloc(CTL_MAX_REQUEST);
	if (cl->buf == NULL) {
		close(fd);
		return;
	}
	/* Writes block (answers can be large) but never for more than 5 s. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	cl->fd = fd;
	cl->len = 0;
	cl->last = time(NULL);
}

void
ctl_serve(struct vhostd *d, const struct pollfd *pfd, unsigned int n)
{
	struct ctl *c = d->ctl;
	time_t now = time(NULL);

	if (c == NULL)
		return;
	for (unsigned int i = 1; i < n; i++) {
		if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		for (int k = 0; k < CTL_MAX_CLIENTS; k++)
			if (c->clients[k].fd == pfd[i].fd)
				client_read(d, &c->clients[k]);
	}
	if (n > 0 && (pfd[0].revents & POLLIN))
		accept_client(c);
	for (int k = 0; k < CTL_MAX_CLIENTS; k++)
		if (c->clients[k].fd >= 0 && now - c->clients[k].last > CTL_IDLE_SECONDS)
			client_close(&c->clients[k]);
}

/* ---- the state directory ---- */

static int
state_path(struct vhostd *d, const char *name, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/guests/%s.json", d->cfg.daemon.state_dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int
ctl_state_save(struct vhostd *d, const char *name, json_t *args, char *err, size_t errlen)
{
	char path[VHOSTD_PATH_MAX * 2 + 64], tmp[sizeof(path) + 8], dir[VHOSTD_PATH_MAX + 16];
	int ret;

	snprintf(dir, sizeof(dir), "%s/guests", d->cfg.daemon.state_dir);
	ret = make_dirs(dir, 0750);
	if (ret == 0)
		ret = state_path(d, name, path, sizeof(path));
	if (ret == 0) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		/* Written whole, then renamed: a crash leaves the old file or the new. */
		if (json_dump_file(args, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 ||
		    rename(tmp, path) != 0)
			ret = -EIO;
	}
	if (ret != 0) {
		unlink(tmp);
		snprintf(err, errlen, "[guest %s]: cannot save it in %s: %s", name, dir,
			 strerror(-ret));
	}
	return ret;
}

void
ctl_state_remove(struct vhostd *d, const char *name)
{
	char path[VHOSTD_PATH_MAX * 2 + 64];

	if (state_path(d, name, path, sizeof(path)) == 0 && unlink(path) != 0 && errno != ENOENT)
		LOG(WARNING, "guest %s: cannot remove %s: %s", name, path, strerror(errno));
}

void
ctl_state_replay(struct vhostd *d)
{
	char dir[VHOSTD_PATH_MAX + 16], path[VHOSTD_PATH_MAX + 300];
	struct dirent *e;
	DIR *dh;

	snprintf(dir, sizeof(dir), "%s/guests", d->cfg.daemon.state_dir);
	dh = opendir(dir);
	if (dh == NULL)
		return;
	while ((e = readdir(dh)) != NULL) {
		size_t n = strlen(e->d_name);
		json_error_t jerr;
		struct guest *g;
		char err[512] = "";
		json_t *args;

		if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		args = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
		/* The same checks as a guest.add: a file that no longer fits the
		 * configuration is skipped, the others start. */
		if (args == NULL || !json_is_string(json_object_get(args, "name"))) {
			LOG(ERR, "%s: not a saved guest (%s); skipped", path,
			    args == NULL ? jerr.text : "no name");
		} else if (ctl_guest_add(d, args, false, &g, err, sizeof(err)) != 0) {
			LOG(ERR, "%s: %s; skipped", path, err);
		} else {
			g->persistent = true;
			LOG(INFO, "guest %s: restored from %s", g->cfg.name, path);
		}
		json_decref(args);
	}
	closedir(dh);
}
