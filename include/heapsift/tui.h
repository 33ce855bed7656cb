/* tui: the ncursesw front end.  Loads the file with a progress screen, then
 * shows five panes over the views (Summary, Classes, Dominators, Retainers,
 * Inspector) and drives them from the key table in src/tui/keys.def.
 * Nothing outside src/tui includes curses. */
#ifndef HEAPSIFT_TUI_H
#define HEAPSIFT_TUI_H

#include <stdbool.h>
#include <stdio.h>

struct tui_opts {
	const char *path;
	/* two or three files: a Diff pane over them (path is the first) */
	const char *paths[3];
	int npaths;
	const char *input_format;	/* NULL: recognise */
	bool ascii;			/* no Unicode box drawing */
};

/* Runs the interface on the terminal; returns the exit status (0 after q,
 * 2 when the file cannot be loaded, 130 when loading was interrupted). */
int tui_main(const struct tui_opts *opts);

/* The key table, one line per command: keys, then what they do. */
void tui_print_keys(FILE *out);

#endif
