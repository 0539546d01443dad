/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef HOSTILE_H
#define HOSTILE_H

/* The hostile client's cases (msg.c: message level, dp.c: datapath) and
 * what they share (hostile.c). */

#include <stdint.h>

#include "vu.h"

#define QSIZE 256
#define BASE_FEATURES ((1ULL << F_VERSION_1) | (1ULL << F_MRG_RXBUF))

extern const char *sock_path;		/* the vhostd guest socket */
extern const uint8_t evil_mac[6];	/* the source MAC of every frame sent */

void msleep(int ms);
/* A new connection; one that got as far as SET_FEATURES (version 1, no
 * protocol features) with guest memory made. */
int fresh(struct vu *v);
int fresh_negotiated(struct vu *v);
/* "closed" when the backend closed the connection, else "alive". */
const char *outcome(struct vu *v);
/* Print "holding", then wait until stdin has a line or is closed (at most
 * a minute): the test acts while the case keeps what it set up. */
void hold(void);
/* Print how many of total connections the backend closed, and the result
 * line. */
int report(const char *what, int closed, int total);
/* SET_MEM_TABLE with nregions (r[] holds them, at most 8) and nfds copies
 * of the guest memory's fd. */
int mem_table(struct vu *v, uint32_t nregions, const struct vu_region *r, int nfds);

/* Each case returns 0 once the attack was delivered (its result printed),
 * 2 if it could not be set up. */
int case_valid(void);
int case_truncated_header(void);
int case_oversize_payload(void);
int case_unknown_request(void);
int case_fds_too_many(void);
int case_fds_too_few(void);
int case_repeat_mem_table(void);
int case_repeat_vring_kick(void);
int case_repeat_log_base(void);
int case_repeat_inflight(void);
int case_too_many_regions(void);
int case_region_overflow(void);
int case_vring_index(void);
int case_ring_size(void);
int case_wrong_order(void);
int case_split_loop(void);
int case_packed_loop(void);
int case_long_chain(void);
int case_zero_len(void);
int case_unmapped(void);
int case_unmapped_packed(void);
int case_cross_region(void);
int case_short_chain(void);
int case_short_chain_packed(void);
int case_indirect(void);
int case_packed_bad_id(void);
int case_csum_start(void);
int case_gso_zero(void);
int case_gso_tiny(void);
int case_flip(void);
int case_flip_packed(void);
int case_flood_gso_type(void);
int case_flood_valid(void);
int case_rx_bad(void);
int case_rx_bad_packed(void);
int case_log_base_short(void);
int case_migrate_log(void);
/* intrude.c: a second frontend on a socket that has one */
int case_intruder_connect(void);
int case_intruder_features(void);
int case_intruder_mem_table(void);
int case_intruder_vrings(void);
int case_intruder_ready(void);
int case_log_base_offset(void);
/* many.c: --count well-behaved frontends on PREFIX0.sock, PREFIX1.sock, ... */
void many_set_count(const char *arg);
int case_many(void);
/* fds.c: notification fds that are not (non-blocking) eventfds */
int case_kick_pipe(void);
int case_call_pipe_full(void);
int case_notify_fd_kinds(void);
int case_call_eventfd_full(void);
int case_kick_socket_lowat(void);
/* caps.c: vrings and ring sizes per connection */
int case_vring_flood(void);
int case_ring_size_cap(void);

#endif
