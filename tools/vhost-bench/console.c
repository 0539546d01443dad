/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The interactive console (vhost-bench -i), on librte_cmdline.  Its
 * instructions are generated from cmd_table[]: for each first word, one
 * instruction with the word alone and one with the word and the rest of the
 * line.  Both hand the whole line to exec_line(), the parser batch
 * mode uses, so the console cannot accept what a command file would refuse.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <cmdline_socket.h>

#include "bench.h"

#define MAX_KEYWORDS 16

struct console_res {
	cmdline_fixed_string_t word;
	cmdline_multi_string_t rest;
};

struct console {
	struct bench *b;
	unsigned int nb_words;
	const char *words[MAX_KEYWORDS];
	char help[MAX_KEYWORDS][160];
	cmdline_parse_token_string_t tok_word[MAX_KEYWORDS];
	cmdline_parse_token_string_t tok_rest;
	cmdline_parse_inst_t *insts[2 * MAX_KEYWORDS];
	cmdline_parse_ctx_t ctx[2 * MAX_KEYWORDS + 1];
};

static void
on_line(struct console_res *res, struct cmdline *cl, struct console *c, bool with_rest)
{
	char line[STR_TOKEN_SIZE + STR_MULTI_TOKEN_SIZE + 2];

	snprintf(line, sizeof(line), "%s%s%s", res->word, with_rest ? " " : "",
		 with_rest ? res->rest : "");
	exec_line(c->b, line);
	if (bench_quit_requested(c->b))
		cmdline_quit(cl);
}

static void
on_word(void *res, struct cmdline *cl, void *data)
{
	on_line(res, cl, data, false);
}

static void
on_word_rest(void *res, struct cmdline *cl, void *data)
{
	on_line(res, cl, data, true);
}

static cmdline_parse_inst_t *
inst_new(struct console *c, void (*f)(void *, struct cmdline *, void *), const char *help,
	 cmdline_parse_token_hdr_t *t0, cmdline_parse_token_hdr_t *t1)
{
	cmdline_parse_inst_t *in = calloc(1, sizeof(*in) + 3 * sizeof(in->tokens[0]));

	if (in == NULL)
		return NULL;
	in->f = f;
	in->data = c;
	in->help_str = help;
	in->tokens[0] = t0;
	in->tokens[1] = t1;
	in->tokens[2] = NULL;
	return in;
}

static void
console_free(struct console *c)
{
	for (unsigned int i = 0; i < 2 * MAX_KEYWORDS; i++)
		free(c->insts[i]);
	free(c);
}

static struct console *
console_new(struct bench *b)
{
	struct console *c = calloc(1, sizeof(*c));
	unsigned int n = 0;

	if (c == NULL)
		return NULL;
	c->b = b;
	c->nb_words = cmd_keywords(c->words, MAX_KEYWORDS);
	c->tok_rest = (cmdline_parse_token_string_t)
		TOKEN_STRING_INITIALIZER(struct console_res, rest, TOKEN_STRING_MULTI);
	for (unsigned int w = 0; w < c->nb_words; w++) {
		size_t used = 0;

		c->tok_word[w] = (cmdline_parse_token_string_t)
			TOKEN_STRING_INITIALIZER(struct console_res, word, c->words[w]);
		/* '?' shows the usage of every command with this first word. */
		for (unsigned int i = 0; i < cmd_table_len; i++) {
			const char *cw = cmd_table[i].words;
			size_t len = strlen(c->words[w]);

			if (strncmp(cw, c->words[w], len) == 0 && (cw[len] == ' ' || cw[len] == '\0'))
				used += (size_t)snprintf(c->help[w] + used,
							 used < sizeof(c->help[w]) ?
							 sizeof(c->help[w]) - used : 0,
							 "%s%s", used ? " | " : "", cmd_table[i].usage);
		}
		c->insts[n] = inst_new(c, on_word, c->help[w], &c->tok_word[w].hdr, NULL);
		c->insts[n + 1] = inst_new(c, on_word_rest, c->help[w], &c->tok_word[w].hdr,
					   &c->tok_rest.hdr);
		if (c->insts[n] == NULL || c->insts[n + 1] == NULL) {
			console_free(c);
			return NULL;
		}
		c->ctx[n] = c->insts[n];
		c->ctx[n + 1] = c->insts[n + 1];
		n += 2;
	}
	c->ctx[n] = NULL;
	return c;
}

int
console_run(struct bench *b)
{
	struct cmdline *cl;
	struct console *c = console_new(b);

	if (c == NULL)
		return -ENOMEM;
	cl = cmdline_stdin_new(c->ctx, "vhost-bench> ");
	if (cl == NULL) {
		console_free(c);
		return -ENOMEM;
	}
	cmdline_interact(cl);
	cmdline_stdin_exit(cl);
	console_free(c);
	return 0;
}
