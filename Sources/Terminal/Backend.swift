// The ncurses backend (in progress).
