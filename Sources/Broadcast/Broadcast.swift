// Broadcast (in progress).
