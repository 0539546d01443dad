/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_PORTS_FRONTEND_H
#define VHOSTD_PORTS_FRONTEND_H

/*
 * What vhostd accepts from a vhost-user frontend (frontend.c): pure checks
 * of one message, knowing only the guest's queue count.  Which connection
 * serves which guest is control's to decide (lifecycle.c).
 */

#include <stdbool.h>
#include <stdint.h>

struct events;

/* Longest vring a frontend may set up (SET_VRING_NUM): QEMU's virtio-net
 * allows 1024, DPDK virtio-user up to 32768 (tools/bench uses 4096);
 * librte_vhost takes about 40 bytes of vhostd's heap per entry. */
#define FRONTEND_MAX_RING_SIZE 4096

/* Why librte_vhost must not see this message (its struct vhu_msg_context,
 * 22.11), or NULL; queues is the guest's.  May make the message's
 * notification fd non-blocking. */
const char *frontend_msg_check(const void *msg, unsigned int queues);
/* The request, and whether the frontend waits for an answer (REPLY_ACK). */
uint32_t frontend_msg_request(const void *msg, bool *needs_reply);
/* true when the message is answered from here (msg is then the reply). */
bool frontend_msg_answer(void *msg, unsigned int queues);
/* Close the fds that came with a refused message. */
void frontend_msg_close_fds(void *msg);
/* Refuse a message with no answer: the connection is closed. */
void frontend_msg_refuse(void *msg);
/* The flight recorder's view of a message (events.h), refused ones
 * (why != NULL) with the reason.  offered: the features the guest's socket
 * offers; dirty_log: whether VHOST_F_LOG_ALL is acked, kept up to date. */
void frontend_msg_record(struct events *ev, const void *msg, const char *why,
			 uint64_t offered, bool *dirty_log);

#endif
