// Bridges the parts of ncursesw that Swift cannot import directly: macros, wide-character
// prototypes behind NCURSES_WIDECHAR, and globals that trip Swift 6 concurrency checks.
#ifndef WARROOM_CNCURSESW_SHIM_H
#define WARROOM_CNCURSESW_SHIM_H

#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

int wcwidth(wchar_t c);

static const attr_t warroom_A_NORMAL = A_NORMAL;
static const attr_t warroom_A_BOLD = A_BOLD;
static const attr_t warroom_A_REVERSE = A_REVERSE;
static const attr_t warroom_A_UNDERLINE = A_UNDERLINE;
static const attr_t warroom_A_DIM = A_DIM;
static const attr_t warroom_A_BLINK = A_BLINK;

static inline WINDOW *warroom_stdscr(void) { return stdscr; }
static inline int warroom_lines(void) { return LINES; }
static inline int warroom_cols(void) { return COLS; }

#endif
