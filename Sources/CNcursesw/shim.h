// Bridges the parts of ncursesw that Swift cannot import directly: macros, wide-character
// prototypes behind NCURSES_WIDECHAR, and globals that trip Swift 6 concurrency checks.
// It also holds the crash guard, because a signal handler that restores the terminal must be
// async-signal-safe C, not Swift.
#ifndef WARROOM_CNCURSESW_SHIM_H
#define WARROOM_CNCURSESW_SHIM_H

#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>
#include <ncursesw/curses.h>

int wcwidth(wchar_t c);

static const attr_t warroom_A_NORMAL = A_NORMAL;
static const attr_t warroom_A_BOLD = A_BOLD;
static const attr_t warroom_A_REVERSE = A_REVERSE;
static const attr_t warroom_A_UNDERLINE = A_UNDERLINE;
static const attr_t warroom_A_DIM = A_DIM;
static const attr_t warroom_A_BLINK = A_BLINK;

static inline WINDOW *warroom_stdscr(void) { return stdscr; }
static inline WINDOW *warroom_curscr(void) { return curscr; }
static inline int warroom_lines(void) { return LINES; }
static inline int warroom_cols(void) { return COLS; }
static inline int warroom_color_pairs(void) { return COLOR_PAIRS; }
static inline FILE *warroom_stdout(void) { return stdout; }
static inline FILE *warroom_stdin(void) { return stdin; }

/// tigetstr reports "absent" and "not a string capability" as NULL and (char *)-1; both mean "none" to us.
static inline const char *warroom_tigetstr(const char *name) {
    char *s = tigetstr(name);
    return (s == NULL || s == (char *)-1) ? NULL : s;
}

// MARK: - Crash guard
//
// The state is a static in this header, so exactly one Swift file (Terminal/TerminalGuard.swift) may call
// these functions: every Swift file that uses them would otherwise get its own copy of the state.
// SwiftPM does not rebuild Swift files when this header changes: touch Sources/Terminal/*.swift after editing.

struct warroom_guard_state {
    int tty;
    struct termios termios;
    int has_termios;
    char reset[512];
    size_t reset_length;
    int real_stderr;    // the real stderr while stderr goes to a capture file
    int capture;        // the capture file, replayed to the real stderr on restore
    volatile sig_atomic_t armed;
    struct sigaction previous[65];
};

// Swift's importer emits a header's functions but not its file-scope aggregates, so the state is a
// function-local static.
static inline struct warroom_guard_state *warroom_guard(void) {
    static struct warroom_guard_state state = { .tty = -1, .real_stderr = -1, .capture = -1 };
    return &state;
}

/// Puts back stderr and copies what was written to it while the console owned the screen.
static inline void warroom_guard_release_stderr(void) {
    struct warroom_guard_state *g = warroom_guard();
    if (g->real_stderr < 0) return;
    dup2(g->real_stderr, STDERR_FILENO);
    close(g->real_stderr);
    g->real_stderr = -1;
    if (g->capture >= 0) {
        char chunk[4096];
        ssize_t n;
        lseek(g->capture, 0, SEEK_SET);
        while ((n = read(g->capture, chunk, sizeof chunk)) > 0) {
            ssize_t ignored = write(STDERR_FILENO, chunk, (size_t)n);
            (void)ignored;
        }
        close(g->capture);
        g->capture = -1;
    }
}

/// Async-signal-safe: the terminal's own reset sequence, the saved terminal modes, then stderr.
static inline void warroom_guard_restore(void) {
    struct warroom_guard_state *g = warroom_guard();
    if (!g->armed) return;
    g->armed = 0;
    if (g->tty >= 0) {
        if (g->reset_length > 0) {
            ssize_t ignored = write(g->tty, g->reset, g->reset_length);
            (void)ignored;
        }
        if (g->has_termios) tcsetattr(g->tty, TCSANOW, &g->termios);
    }
    warroom_guard_release_stderr();
}

/// Restores the terminal, then hands the signal to whoever had it before (the Swift runtime's backtracer,
/// or the default action): reinstall that handler and raise again, delivered once this handler returns.
static void warroom_guard_on_crash(int sig, siginfo_t *info, void *context) {
    struct warroom_guard_state *g = warroom_guard();
    (void)info;
    (void)context;
    warroom_guard_restore();
    if (sig > 0 && sig < 65) sigaction(sig, &g->previous[sig], NULL);
    raise(sig);
}

static void warroom_guard_at_exit(void) { warroom_guard_restore(); }

/// Saves the terminal modes of `tty` as the shell left them; call before newterm, which already changes them.
static inline void warroom_guard_save_modes(int tty) {
    struct warroom_guard_state *g = warroom_guard();
    g->tty = tty;
    g->has_termios = tcgetattr(tty, &g->termios) == 0;
}

/// Installs the crash handlers for the terminal whose modes `warroom_guard_save_modes` saved.
/// `reset` is the terminal's exit sequence (rmcup, cnorm, sgr0, ...).
/// With `capture_stderr`, stderr goes to an unlinked temp file until restore, so a fatal error's
/// message is not lost on the alternate screen.
static inline void warroom_guard_arm(const char *reset, int capture_stderr) {
    struct warroom_guard_state *g = warroom_guard();
    static int registered = 0;
    size_t length = reset ? strlen(reset) : 0;
    if (length >= sizeof g->reset) length = sizeof g->reset - 1;
    if (length) memcpy(g->reset, reset, length);
    g->reset_length = length;

    if (capture_stderr && g->real_stderr < 0) {
        char path[] = "/tmp/warroom-stderr-XXXXXX";
        int fd = mkstemp(path);
        if (fd >= 0) {
            unlink(path);
            g->real_stderr = dup(STDERR_FILENO);
            if (g->real_stderr >= 0 && dup2(fd, STDERR_FILENO) >= 0) {
                g->capture = fd;
            } else {
                if (g->real_stderr >= 0) close(g->real_stderr);
                g->real_stderr = -1;
                close(fd);
            }
        }
    }

    const int signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_sigaction = warroom_guard_on_crash;
        action.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&action.sa_mask);
        sigaction(signals[i], &action, &g->previous[signals[i]]);
    }
    if (!registered) {
        registered = 1;
        atexit(warroom_guard_at_exit);
    }
    g->armed = 1;
}

/// After a normal shutdown (endwin done): puts stderr back and the previous crash handlers.
static inline void warroom_guard_disarm(void) {
    struct warroom_guard_state *g = warroom_guard();
    g->armed = 0;
    warroom_guard_release_stderr();
    const int signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        sigaction(signals[i], &g->previous[signals[i]], NULL);
    }
}

/// Last resort from a signal-watching thread when the input loop does not answer.
static inline void warroom_guard_restore_and_exit(int status) {
    warroom_guard_restore();
    _exit(status);
}

#endif
