/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_UTF8_H
#define VHOSTD_UTF8_H

/*
 * UTF-8 as jansson accepts it (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF).  Every string vhostd puts in a JSON answer must
 * pass, or json_pack() fails and the answer is lost: the configuration
 * refuses other bytes, and error messages, which may quote a request cut
 * short, are repaired.
 */

#include <stddef.h>

/* The length of the valid sequence at s (n bytes available), or 0. */
static inline size_t
utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	/* The second byte's range rules out overlong forms, surrogates and
	 * code points above U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

#endif
