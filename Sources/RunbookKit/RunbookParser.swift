// Runbook parsing (in progress).
