#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tools/check-layers.py on small fake trees: it must catch a call that goes
up a layer, an include that goes up, a circle of calls and a long file, and
pass a clean tree, without taking comments, strings, prototypes or a static
namesake, a struct tag or a member for a call."""

import os
import subprocess
import sys
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
		      '..', '..', 'tools', 'check-layers.py')


def write(root, rel, text):
	path = os.path.join(root, rel)
	os.makedirs(os.path.dirname(path), exist_ok=True)
	with open(path, 'w') as f:
		f.write(text)


def clean_tree(root):
	"""daemon -> ctl -> control -> lib, with traps that are no calls."""
	write(root, 'include/vhostd/util.h',
	      '#pragma once\nint util_sum(int a, int b);\n'
	      'static inline int util_twice(int a) { return util_sum(a, a); }\n')
	# A struct tag or a member named like ctl's function is no call of it.
	write(root, 'src/lib/util.c',
	      '#include "vhostd/util.h"\n'
	      'struct ctl_serve { int guest_add; };\n'
	      'int util_sum(int a, int b) { return a + b; }\n'
	      'int util_get(struct ctl_serve *c) { return c->guest_add; }\n')
	write(root, 'src/control/guest.h',
	      '#pragma once\n/* guest_add() is declared here, a prototype is no call */\n'
	      'int guest_add(int n);\nint ctl_serve(void);\n')
	write(root, 'src/control/guest.c',
	      '#include "control/guest.h"\n#include "vhostd/util.h"\n'
	      '/* ctl_serve() in a comment is no call */\n'
	      'static const char *why = "ctl_serve() in a string is no call";\n'
	      'static int helper(int n) { return util_twice(n); }\n'
	      'int guest_add(int n) { return helper(n) + (why != 0); }\n')
	write(root, 'src/ctl/ctl.c',
	      '#include "control/guest.h"\n'
	      'int ctl_serve(void) { return guest_add(1); }\n')
	# A static function may bear the name of another file's: it is its own.
	write(root, 'src/ports/vhost.c',
	      'static int ctl_serve(void) { return 0; }\n'
	      'int vhost_init(void) { return ctl_serve(); }\n')
	write(root, 'src/daemon/main.c',
	      '#include "control/guest.h"\n'
	      'int main(void) { return ctl_serve(); }\n')
	write(root, 'tools/test.py', 'print("ok")\n' * 800)


def run(root):
	p = subprocess.run([sys.executable, SCRIPT, '--root', root],
			   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
			   universal_newlines=True)
	return p.returncode, p.stdout


class CheckLayers(unittest.TestCase):
	def setUp(self):
		self.tmp = tempfile.TemporaryDirectory()
		self.root = self.tmp.name
		clean_tree(self.root)

	def tearDown(self):
		self.tmp.cleanup()

	def fails(self, files):
		"""The script's report on the clean tree plus files {path: text}."""
		for rel, text in files.items():
			write(self.root, rel, text)
		rc, out = run(self.root)
		self.assertEqual(rc, 1, out)
		return out

	def test_clean_tree_passes(self):
		rc, out = run(self.root)
		self.assertEqual(rc, 0, out)
		self.assertIn('layers, circles and lengths ok', out)

	def test_upward_call_and_include(self):
		# lib calls ctl, ports includes a control header.
		out = self.fails({
			'src/lib/log.c': 'int log_flush(void) '
					 '{ extern int ctl_serve(void); return ctl_serve(); }\n',
			'src/ports/uplink.c': '#include "control/guest.h"\n'
					      'int uplink_open(void) { return 0; }\n'})
		self.assertIn('src/lib/log.c -> src/ctl/ctl.c (lib -> ctl): ctl_serve', out)
		self.assertIn('src/ports/uplink.c -> src/control/guest.h (ports -> control): #include',
			      out)
		self.assertNotIn('src/ports/vhost.c ->', out)
		self.assertIn('2 violation(s)', out)

	def test_circle(self):
		# guest.c and pin.c call each other: a circle inside one layer.
		with open(os.path.join(self.root, 'src/control/guest.c'), 'a') as f:
			f.write('int pin_save(void);\nint pin_load(void);\n'
				'int guest_pin(void) { return pin_save() + pin_load(); }\n')
		out = self.fails({'src/control/pin.c': 'int guest_add(int n);\n'
				  'int pin_save(void) { return guest_add(0); }\n'
				  'int pin_load(void) { return 1; }\n'})
		self.assertIn('circle of 2 files: src/control/guest.c, src/control/pin.c', out)
		self.assertIn('src/control/guest.c -> src/control/pin.c: pin_load, pin_save', out)
		self.assertIn('src/control/pin.c -> src/control/guest.c: guest_add', out)
		self.assertNotIn('layer rule', out)

	def test_circle_in_a_tool(self):
		out = self.fails({
			'tools/bench/main.c': 'int bench_stop(void) { return 0; }\n'
					      'int main(void) { extern int console_run(void); '
					      'return console_run(); }\n',
			'tools/bench/console.c': 'int console_run(void) '
						 '{ extern int bench_stop(void); return bench_stop(); }\n'})
		self.assertIn('tools/bench/console.c -> tools/bench/main.c: bench_stop', out)

	def test_long_file(self):
		out = self.fails({'tests/unit/test_long.c': 'int x;\n' * 801})
		self.assertIn('tests/unit/test_long.c: 801 lines', out)
		self.assertNotIn('tools/test.py', out)	# 800 lines is allowed


if __name__ == '__main__':
	unittest.main()
