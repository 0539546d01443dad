#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check the layout of vhostd's sources (issue 12, docs/architecture.md).

1. The layer rule: a file under src/<layer>/ may include and call only its
   own folder and the layers below it:
       daemon > ctl > control > ports > datapath > lib
   (include/vhostd/ holds the headers of lib).
2. No circle: no files of src/ (nor of a program under tools/) that include
   or call each other in a loop.
3. No source file (.c .h .py under src/, include/, tools/, tests/) longer
   than 800 lines.

Reads the C sources as text, no compiler: comments and strings are dropped,
"#include" lines resolved against the file's folder, include/ and src/ (the
daemon's include path), and a file "calls" another when it names a
function or global variable that the other defines and does not make static
(in a header only the bodies of inline functions and macros count: a
prototype is no call).  Exits 1 with the list of what breaks a rule.

Usage: tools/check-layers.py [--root DIR]
"""

import argparse
import os
import re
import sys

LAYERS = ['daemon', 'ctl', 'control', 'ports', 'datapath', 'lib']
MAX_LINES = 800
# Generated or data files that may be longer than MAX_LINES, one path a
# line with the reason.  None today: every long file is hand-written code
# and is to be split by role.
LONG_FILE_ALLOW = {
}
LINE_CHECK_DIRS = ['src', 'include', 'tools', 'tests']
LINE_CHECK_EXTS = ('.c', '.h', '.py')
# Macros that define a global whose name is their first argument.
DEFINING_MACROS = {'RTE_LOG_REGISTER', 'RTE_LOG_REGISTER_DEFAULT',
		   'RTE_LOG_REGISTER_SUFFIX'}
# Macros that define a static function named by their first argument.
STATIC_FUNC_MACROS = {'RTE_INIT', 'RTE_INIT_PRIO', 'RTE_FINI', 'RTE_FINI_PRIO'}
ATTRIBUTES = {'__attribute__', '__rte_unused', '__rte_always_inline',
	      '__rte_noinline', '__rte_cold', '__rte_hot', '__rte_cache_aligned',
	      '__rte_format_printf', '__rte_noreturn'}
# Words that are no name (a function pointer's type, a struct's tag keyword).
C_WORDS = {'void', 'char', 'short', 'int', 'long', 'float', 'double', 'signed',
	   'unsigned', 'struct', 'union', 'enum', 'const', 'volatile', 'static',
	   'inline', 'bool', 'return', 'sizeof'}
NOT_A_USE = {'.', '->', 'struct', 'union', 'enum'}

TOKEN = re.compile(r'[A-Za-z_]\w*|\d\w*(?:\.\w*)?|->|\S')
INCLUDE = re.compile(r'#\s*include\s*([<"])([^>"]+)[>"]')


def strip_comments(text):
	"""The text with comments blanked (newlines kept), strings intact."""
	out = []
	i, n = 0, len(text)
	while i < n:
		c = text[i]
		if c == '/' and text.startswith('/*', i):
			end = text.find('*/', i + 2)
			end = n if end < 0 else end + 2
			out.append(' ' + '\n' * text.count('\n', i, end))
			i = end
		elif c == '/' and text.startswith('//', i):
			end = text.find('\n', i)
			i = n if end < 0 else end
			out.append(' ')
		elif c in '"\'':
			j = i + 1
			while j < n and text[j] != c and text[j] != '\n':
				j += 2 if text[j] == '\\' else 1
			out.append(text[i:j + 1])
			i = j + 1
		else:
			out.append(c)
			i += 1
	return ''.join(out)


STRING = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'')


def read_c(path):
	"""(includes, code tokens, macro-body tokens) of one C file."""
	with open(path, encoding='utf-8', errors='replace') as f:
		text = strip_comments(f.read())
	text = text.replace('\\\n', ' ')
	includes, code, macros = [], [], []
	for line in text.split('\n'):
		s = line.strip()
		if s.startswith('#'):
			m = INCLUDE.match(s)
			if m:
				includes.append((m.group(1), m.group(2)))
			elif re.match(r'#\s*define\b', s):
				body = re.sub(r'#\s*define\s+\w+(\([^)]*\))?', '', s, count=1)
				macros += TOKEN.findall(STRING.sub(' ', body))
			continue
		code += TOKEN.findall(STRING.sub(' ', line))
	return includes, code, macros


def is_ident(tok):
	return tok[0].isalpha() or tok[0] == '_'


def definition_name(decl):
	"""(name, is_function) of a declaration before '{' or ';', or None."""
	if not decl or decl[0] in ('typedef', 'extern'):
		return None
	if decl[0] in STATIC_FUNC_MACROS or decl[0] in DEFINING_MACROS:
		return (decl[2], decl[0] in STATIC_FUNC_MACROS) if len(decl) > 2 else None
	depth = 0
	for i, tok in enumerate(decl):
		if tok == '(':
			if depth == 0 and i > 0 and is_ident(decl[i - 1]) \
			   and decl[i - 1] not in ATTRIBUTES and decl[i - 1] not in C_WORDS:
				return decl[i - 1], True
			depth += 1
		elif tok == ')':
			depth -= 1
		elif tok in ('=', '[') and depth == 0:
			break
	# A variable: the last name before '=' or '[' or the end.
	name = None
	for tok in decl:
		if tok in ('=', '['):
			break
		if is_ident(tok) and tok not in ATTRIBUTES:
			name = tok
	if name is None or name in C_WORDS:
		return None
	return name, False


def parse_c(tokens, header):
	"""(defined: {name: static}, used: [names]) of one file's code tokens.

	In a header only the bodies of (inline) functions count as use."""
	defined, used = {}, []
	decl, depth, i = [], 0, 0
	in_function = in_type = False
	while i < len(tokens):
		tok = tokens[i]
		prev = tokens[i - 1] if i else ''
		if tok == '{':
			if depth == 0:
				d = definition_name(decl)
				in_function = bool(d and d[1] and decl and
						   (decl[-1] == ')' or decl[-1] in ATTRIBUTES))
				if d and (in_function or '=' in decl):
					defined.setdefault(d[0], 'static' in decl or
							   decl[0] in STATIC_FUNC_MACROS)
				if not in_function:
					# a struct or an initializer: its ';' ends it;
					# a struct's fields are no use of anything
					in_type = '=' not in decl
					decl.append('{')
			depth += 1
		elif tok == '}':
			depth -= 1
			if depth == 0 and in_function:
				decl, in_function = [], False
			if depth == 0:
				in_type = False
		elif depth == 0 and tok == ';':
			if '{' not in decl:
				d = definition_name(decl)
				if d and not d[1]:	# a variable (or a macro's)
					defined.setdefault(d[0], 'static' in decl)
			decl = []
		elif depth == 0:
			decl.append(tok)
		# a member (x.name, p->name) or a tag (struct name) is no use of a
		# function or global of that name
		if is_ident(tok) and prev not in NOT_A_USE and not in_type and \
		   (not header or in_function):
			used.append(tok)
		i += 1
	return defined, used


class Tree:
	"""The C files below some folders of a tree, and what ties them."""

	def __init__(self, root, dirs, include_path):
		self.root = root
		self.files = {}		# rel path -> (includes, defined, used)
		for d in dirs:
			for dirpath, dirnames, filenames in os.walk(os.path.join(root, d)):
				dirnames[:] = sorted(x for x in dirnames if x != 'tests')
				for fn in sorted(filenames):
					if fn.endswith(('.c', '.h')):
						p = os.path.join(dirpath, fn)
						rel = os.path.relpath(p, root)
						self.files[rel] = self._read(p, fn.endswith('.h'))
		self.include_path = include_path
		self.edges = {}		# (from, to) -> set of names ('#include' for one)
		self._tie()

	@staticmethod
	def _read(path, header):
		includes, code, macros = read_c(path)
		defined, used = parse_c(code, header)
		return includes, defined, used + [t for t in macros if is_ident(t)]

	def _resolve(self, rel, kind, name):
		here = os.path.dirname(rel)
		cands = ([here] if kind == '"' else []) + self.include_path
		for d in cands:
			p = os.path.normpath(os.path.join(d, name))
			if p in self.files:
				return p
		return None

	def _tie(self):
		owners = {}
		for rel, (_, defined, _) in self.files.items():
			for name, static in defined.items():
				if not static and rel.endswith('.c'):
					owners.setdefault(name, []).append(rel)
		for rel, (includes, defined, used) in self.files.items():
			for kind, name in includes:
				to = self._resolve(rel, kind, name)
				if to and to != rel:
					self.edges.setdefault((rel, to), set()).add('#include')
			for name in used:
				if name in defined:
					continue	# its own (or a namesake it keeps static)
				for to in owners.get(name, []):
					if not self._implements(to, rel):
						self.edges.setdefault((rel, to), set()).add(name)

	@staticmethod
	def _implements(c, h):
		"""Whether c is the source of header h (x.c beside x.h, or the
		x.c of an include/ header): an inline function of a header that
		calls its own .c is one module, no circle."""
		stem = lambda p: os.path.splitext(os.path.basename(p))[0]
		return h.endswith('.h') and stem(c) == stem(h) and (
			os.path.dirname(c) == os.path.dirname(h) or h.startswith('include' + os.sep))

	def circles(self):
		"""Strongly connected components of more than one file (Tarjan)."""
		succ = {f: [] for f in self.files}
		for a, b in sorted(self.edges):
			succ[a].append(b)
		index, low, stack, on, out = {}, {}, [], set(), []
		counter = [0]

		def visit(v):
			# iterative Tarjan: deep call chains exceed Python's recursion
			work = [(v, 0)]
			while work:
				v, i = work.pop()
				if i == 0:
					index[v] = low[v] = counter[0]
					counter[0] += 1
					stack.append(v)
					on.add(v)
				recurse = False
				for j in range(i, len(succ[v])):
					w = succ[v][j]
					if w not in index:
						work.append((v, j + 1))
						work.append((w, 0))
						recurse = True
						break
					if w in on:
						low[v] = min(low[v], index[w])
				if recurse:
					continue
				if low[v] == index[v]:
					comp = []
					while True:
						w = stack.pop()
						on.discard(w)
						comp.append(w)
						if w == v:
							break
					if len(comp) > 1:
						out.append(sorted(comp))
				if work:
					u = work[-1][0]
					low[u] = min(low[u], low[v])

		for v in sorted(succ):
			if v not in index:
				visit(v)
		return sorted(out)


def layer_of(rel):
	parts = rel.split(os.sep)
	if parts[0] == 'include':
		return 'lib'
	if parts[0] == 'src' and len(parts) > 2 and parts[1] in LAYERS:
		return parts[1]
	return None


def names(labels):
	return ', '.join(sorted(labels, key=lambda s: (s != '#include', s)))


def check_layers(tree):
	bad = []
	for (a, b), labels in sorted(tree.edges.items()):
		la, lb = layer_of(a), layer_of(b)
		if la and lb and LAYERS.index(lb) < LAYERS.index(la):
			bad.append('%s -> %s (%s -> %s): %s' % (a, b, la, lb, names(labels)))
	return bad


def check_circles(tree):
	bad = []
	for comp in tree.circles():
		lines = ['circle of %d files: %s' % (len(comp), ', '.join(comp))]
		members = set(comp)
		for (a, b), labels in sorted(tree.edges.items()):
			if a in members and b in members:
				lines.append('    %s -> %s: %s' % (a, b, names(labels)))
		bad.append('\n'.join(lines))
	return bad


def check_lengths(root):
	bad = []
	for d in LINE_CHECK_DIRS:
		for dirpath, dirnames, filenames in os.walk(os.path.join(root, d)):
			dirnames[:] = sorted(dirnames)
			for fn in sorted(filenames):
				if not fn.endswith(LINE_CHECK_EXTS):
					continue
				p = os.path.join(dirpath, fn)
				rel = os.path.relpath(p, root)
				with open(p, 'rb') as f:
					n = f.read().count(b'\n')
				if n > MAX_LINES and rel not in LONG_FILE_ALLOW:
					bad.append('%s: %d lines' % (rel, n))
	return bad


def tool_dirs(root):
	"""The C programs under tools/ (each folder with .c files)."""
	out = []
	top = os.path.join(root, 'tools')
	if os.path.isdir(top):
		for d in sorted(os.listdir(top)):
			p = os.path.join(top, d)
			if os.path.isdir(p) and any(f.endswith('.c') for f in os.listdir(p)):
				out.append(os.path.join('tools', d))
	return out


def main(argv):
	ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
	ap.add_argument('--root', default=os.path.join(os.path.dirname(
		os.path.abspath(__file__)), '..'), help='the source tree (default: this one)')
	args = ap.parse_args(argv)
	root = os.path.abspath(args.root)

	daemon = Tree(root, ['src', 'include'], ['include', 'src'])
	tools = Tree(root, tool_dirs(root), ['include', 'src'])
	sections = [
		('layer rule (%s, each may use its own folder and those below): '
		 'uses that go up' % ' > '.join(LAYERS), check_layers(daemon)),
		('circles of includes and calls', check_circles(daemon) + check_circles(tools)),
		('files over %d lines' % MAX_LINES, check_lengths(root)),
	]
	total = 0
	for title, bad in sections:
		if bad:
			print('%s: %d' % (title, len(bad)))
			for b in bad:
				print('  ' + b)
			total += len(bad)
	print('check-layers: %d C files in src/ and include/, %d in tools/, %d ties read: %s'
	      % (len(daemon.files), len(tools.files), len(daemon.edges) + len(tools.edges),
		 '%d violation(s)' % total if total else 'layers, circles and lengths ok'))
	return 1 if total else 0


if __name__ == '__main__':
	sys.exit(main(sys.argv[1:]))
