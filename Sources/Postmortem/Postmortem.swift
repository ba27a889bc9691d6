// Postmortem (in progress).
